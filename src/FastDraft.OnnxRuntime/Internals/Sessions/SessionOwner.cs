using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Internals.Sessions;

/// <summary>
/// Owns a model's ONNX Runtime session and counts its users: the model itself (released by the
/// model's <see cref="IDisposable.Dispose"/>) and every live generation session (each holds a
/// <see cref="SessionLease"/>). The session is freed when the last of them lets go.
/// </summary>
/// <remarks>
/// A <see cref="SafeHandle"/> so that the count is released by the runtime's reference counting,
/// also from the critical finalizer of a lease whose generation was dropped without being disposed
/// (an enumerator nobody disposed): without it, one forgotten enumerator kept the session forever.
/// The handle value is only a marker; what it stands for is the ONNX Runtime session. When the last
/// reference is let go by a finalized lease, <see cref="ReleaseHandle"/> disposes the session on the
/// finalizer thread: disposing it only releases its native session (a second dispose, after the
/// session's own finalizer, does nothing), and no other managed state is touched.
/// </remarks>
internal sealed class SessionOwner : SafeHandle
{
    private readonly InferenceSession _session;
    private int _leases;
    private volatile bool _released;

    public SessionOwner(InferenceSession session)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        _session = session;
        SetHandle(1);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Gets the number of generation sessions holding the ONNX Runtime session.</summary>
    public int Leases => Volatile.Read(ref _leases);

    /// <summary>Gets a value indicating whether the ONNX Runtime session has been freed.</summary>
    public bool Released => _released;

    /// <summary>Takes a reference for a new generation session; <see langword="false"/> when the model is disposed.</summary>
    public bool TryAcquire()
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        if (added)
        {
            Interlocked.Increment(ref _leases);
        }

        return added;
    }

    /// <summary>Gives back a reference taken by <see cref="TryAcquire"/>.</summary>
    public void Release()
    {
        Interlocked.Decrement(ref _leases);
        DangerousRelease();
    }

    protected override bool ReleaseHandle()
    {
        // Runs once, when the model and every session have let go: never while a pass runs.
        _session.Dispose();
        _released = true;
        SetHandle(0);
        return true;
    }
}
