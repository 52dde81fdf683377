using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Sessions;

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

/// <summary>
/// The part of one generation session that must be released even when the session is dropped
/// without <see cref="IDisposable.Dispose"/>: its IO binding, its run options and its reference on
/// the model's <see cref="SessionOwner"/>. Its native buffers are <see cref="Native.NativeBuffer"/>
/// handles, freed by their own finalizers.
/// </summary>
/// <remarks>
/// <see cref="ReleaseHandle"/> touches only other safe handles (releasing a parent handle from a child's
/// release is the documented pattern), so it is safe from the critical finalizer, after ordinary
/// finalizers have run. The binding is released before the reference on the session it belongs to.
/// </remarks>
internal sealed class SessionLease : SafeHandle
{
    private readonly SessionOwner _owner;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions;

    /// <summary>Wraps a reference already taken with <see cref="SessionOwner.TryAcquire"/>; from here on the lease gives it back.</summary>
    public SessionLease(SessionOwner owner, OrtIoBinding binding, RunOptions runOptions)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        _owner = owner;
        _binding = binding;
        _runOptions = runOptions;
        SetHandle(1);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Asks a running pass to stop; does nothing once the lease is released (cancellation may come late).</summary>
    public void Terminate()
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            _runOptions.Terminate = true;
        }
        catch (ObjectDisposedException)
        {
            // Released: there is no pass left to stop.
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    protected override bool ReleaseHandle()
    {
        _binding.Dispose();
        _runOptions.Dispose();
        _owner.Release();
        SetHandle(0);
        return true;
    }
}
