namespace FastDraft.OnnxRuntime.Internals.Sessions;

/// <summary>
/// Stops a session's running pass when the caller's token is cancelled: the token is registered once (in practice once
/// per generation), so passes stay allocation-free, and a different token replaces the registration and clears a stop
/// the earlier token may have left (one cancelled after its last pass), so an earlier token can never stop a later pass.
/// </summary>
/// <remarks>
/// The callback reaches the lease through a weak reference: a token that outlives a dropped session must neither keep it
/// alive nor touch its released run options (<see cref="SessionLease.Terminate"/> does nothing once released). The owning
/// session disposes this before its lease.
/// </remarks>
internal sealed class PassCancellation(SessionLease lease) : IDisposable
{
    private readonly WeakReference<SessionLease> _lease = new(lease);
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;

    /// <summary>Makes <paramref name="cancellationToken"/> the token that stops the next passes.</summary>
    public void Watch(CancellationToken cancellationToken)
    {
        if (cancellationToken == _token)
        {
            return;
        }

        // Disposing waits for a callback already running, so the flag cannot be set again after the reset below.
        _registration.Dispose();
        if (_lease.TryGetTarget(out SessionLease? lease))
        {
            lease.Reset();
        }

        _registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(
                static state =>
                {
                    if (((WeakReference<SessionLease>)state!).TryGetTarget(out SessionLease? target))
                    {
                        target.Terminate();
                    }
                },
                _lease)
            : default;
        _token = cancellationToken;
    }

    public void Dispose() => _registration.Dispose();
}
