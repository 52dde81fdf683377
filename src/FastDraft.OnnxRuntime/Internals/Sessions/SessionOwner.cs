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
    private int _leases;
    private int _modelReleased;
    private volatile bool _released;

    /// <summary>Takes ownership of a model's ONNX Runtime session; the model holds the first reference.</summary>
    /// <param name="session">The model's ONNX Runtime session.</param>
    /// <param name="modelName">The model's name, for the message of a disposed model.</param>
    public SessionOwner(InferenceSession session, string modelName)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        Session = session;
        ModelName = modelName;
        SetHandle(1);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Gets the ONNX Runtime session, for whoever holds a reference on it (the model, or a lease).</summary>
    public InferenceSession Session { get; }

    /// <summary>Gets the name of the model that owns the session.</summary>
    public string ModelName { get; }

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

    /// <summary>
    /// Lets go of the model's own reference (the model's <see cref="IDisposable.Dispose"/>): new sessions are refused
    /// from here on, and the ONNX Runtime session is freed now, or when the last lease lets go.
    /// </summary>
    public void ReleaseModel()
    {
        if (Interlocked.Exchange(ref _modelReleased, 1) == 0)
        {
            Dispose();
        }
    }

    /// <summary>Throws once the model has let go (<see cref="ReleaseModel"/>).</summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public void ThrowIfModelReleased()
    {
        if (Volatile.Read(ref _modelReleased) != 0)
        {
            throw ModelDisposed();
        }
    }

    /// <summary>The exception for a use of the model after it has been disposed.</summary>
    public ObjectDisposedException ModelDisposed() => new(nameof(OnnxCausalLM), $"Model '{ModelName}' has been disposed.");

    /// <summary>Gives back a reference taken by <see cref="TryAcquire"/>.</summary>
    public void Release()
    {
        Interlocked.Decrement(ref _leases);
        DangerousRelease();
    }

    protected override bool ReleaseHandle()
    {
        // Runs once, when the model and every session have let go: never while a pass runs.
        Session.Dispose();
        _released = true;
        SetHandle(0);
        return true;
    }
}
