namespace FastDraft.Internals.Caching;

/// <summary>
/// A target session and its draft session, with the tokens the target's cache holds: what a <see cref="SessionPool"/>
/// keeps between generations. The draft's cache holds a prefix of the same tokens (the generator rolls it back with the target's).
/// </summary>
internal sealed class PooledSessions(ITargetModel targetModel, IDraftModel? draftModel, IModelSession target, IDraftSession? draft, long bytes) : IDisposable
{
    private int[] _tokens = [];

    public ITargetModel TargetModel { get; } = targetModel;

    public IDraftModel? DraftModel { get; } = draftModel;

    public IModelSession Target { get; } = target;

    public IDraftSession? Draft { get; } = draft;

    /// <summary>Gets the bytes the two caches take.</summary>
    public long Bytes { get; } = bytes;

    /// <summary>Gets the tokens in the target's cache, as recorded by <see cref="Keep"/>.</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, TokenCount);

    public int TokenCount { get; private set; }

    /// <summary>Gets or sets when the sessions were last returned (the pool's clock), for least-recently-used eviction.</summary>
    public long LastUsed { get; set; }

    /// <summary>Records the tokens of <paramref name="context"/> that the target's cache holds (its first <see cref="IModelSession.Length"/>).</summary>
    public void Keep(ReadOnlySpan<int> context)
    {
        int count = Math.Min(Target.Length, context.Length);
        if (_tokens.Length < count)
        {
            _tokens = new int[Math.Max(count, 2 * _tokens.Length)];
        }

        context[..count].CopyTo(_tokens);
        TokenCount = count;
    }

    /// <summary>Rolls both sessions back to their first <paramref name="length"/> tokens.</summary>
    public void Truncate(int length)
    {
        Target.Truncate(length);
        Draft?.Truncate(length);
        TokenCount = length;
    }

    public void Dispose()
    {
        try
        {
            Draft?.Dispose();
        }
        finally
        {
            Target.Dispose();
        }
    }
}
