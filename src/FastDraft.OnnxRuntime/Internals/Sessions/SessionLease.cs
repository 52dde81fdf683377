using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Internals.Sessions;

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

    /// <summary>
    /// Lets passes run again after <see cref="Terminate"/>: a token cancelled after its last pass leaves the flag set, and
    /// the next caller's passes (a pooled session's next generation) must not stop on it. Does nothing once released.
    /// </summary>
    public void Reset()
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            _runOptions.Terminate = false;
        }
        catch (ObjectDisposedException)
        {
            // Released: no pass will run again.
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
