namespace FastDraft;

/// <summary>
/// A session that passes every call on to an inner <see cref="IModelSession"/>: derive from it and override the one
/// member to change (a fault in <see cref="GetLogits"/>, say), usually in the sessions a
/// <see cref="DelegatingTargetModel"/> returns.
/// </summary>
/// <remarks>The inner session is owned: disposing this session disposes it.</remarks>
public abstract class DelegatingModelSession : IModelSession
{
    /// <summary>Initializes a session that forwards to <paramref name="innerSession"/>, which it then owns.</summary>
    /// <param name="innerSession">The session calls are forwarded to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerSession"/> is <see langword="null"/>.</exception>
    protected DelegatingModelSession(IModelSession innerSession)
    {
        ArgumentNullException.ThrowIfNull(innerSession);
        InnerSession = innerSession;
    }

    /// <inheritdoc/>
    public virtual int Length => InnerSession.Length;

    /// <inheritdoc/>
    public virtual int Capacity => InnerSession.Capacity;

    /// <summary>Gets the session calls are forwarded to.</summary>
    protected IModelSession InnerSession { get; }

    /// <inheritdoc/>
    public virtual void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default) => InnerSession.Append(tokens, cancellationToken);

    /// <inheritdoc/>
    public virtual ReadOnlySpan<float> GetLogits(int index) => InnerSession.GetLogits(index);

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
