namespace FastDraft;

/// <summary>How much a <see cref="SessionPool"/> keeps: a byte budget, a session count, and the capacity of the sessions it creates.</summary>
/// <remarks>Immutable; validated when the pool is created.</remarks>
public sealed record SessionPoolOptions
{
    /// <summary>The default of <see cref="MaxBytes"/>: 1 GiB.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Gets the default options: 1 GiB, 16 sessions, sessions as long as the model's context.</summary>
    public static SessionPoolOptions Default { get; } = new();

    /// <summary>
    /// Gets the most bytes the idle sessions may hold together (their key/value caches, as the models report them in
    /// <see cref="ModelInfo.CacheBytesPerToken"/>); the least recently used are disposed beyond it. At least 0; default 1 GiB.
    /// A session larger than the whole budget is not kept.
    /// </summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Gets the most idle sessions (each a target session and its draft session) kept; at least 1, default 16.</summary>
    public int MaxSessions { get; init; } = 16;

    /// <summary>
    /// Gets the capacity, in tokens, of the sessions the pool creates (more when a generation needs more, at most the model's
    /// context length), so that a session can take the next turn of a conversation. <see langword="null"/>, the default, is the
    /// model's <see cref="ModelInfo.ContextLength"/>: any later request fits, at the cost of a cache of the whole context per session.
    /// </summary>
    public int? SessionCapacity { get; init; }

    internal void Validate(string paramName)
    {
        if (MaxBytes < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, MaxBytes, "MaxBytes must be at least 0.");
        }

        if (MaxSessions < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, MaxSessions, "MaxSessions must be at least 1.");
        }

        if (SessionCapacity is < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, SessionCapacity, "SessionCapacity must be at least 1.");
        }
    }
}
