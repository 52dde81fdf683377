namespace FastDraft;

/// <summary>
/// A draft session that passes every call on to an inner <see cref="IDraftSession"/>: derive from it and override the
/// one member to change, usually in the sessions a <see cref="DelegatingDraftModel"/> returns.
/// </summary>
/// <remarks>The inner session is owned: disposing this session disposes it.</remarks>
public abstract class DelegatingDraftSession : IDraftSession
{
    /// <summary>Initializes a session that forwards to <paramref name="innerSession"/>, which it then owns.</summary>
    /// <param name="innerSession">The session calls are forwarded to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerSession"/> is <see langword="null"/>.</exception>
    protected DelegatingDraftSession(IDraftSession innerSession)
    {
        ArgumentNullException.ThrowIfNull(innerSession);
        InnerSession = innerSession;
    }

    /// <inheritdoc/>
    public virtual long ModelCalls => InnerSession.ModelCalls;

    /// <summary>Gets the session calls are forwarded to.</summary>
    protected IDraftSession InnerSession { get; }

    /// <inheritdoc/>
    public virtual int Propose(ReadOnlySpan<int> context, Span<int> proposal, DraftSampler sampler, CancellationToken cancellationToken = default) =>
        InnerSession.Propose(context, proposal, sampler, cancellationToken);

    /// <inheritdoc/>
    public virtual void Truncate(int length) => InnerSession.Truncate(length);

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the inner session.</summary>
    /// <param name="disposing"><see langword="true"/> when called from <see cref="Dispose()"/>; <see langword="false"/> from a finalizer.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            InnerSession.Dispose();
        }
    }
}
