using System.Runtime.InteropServices;

namespace FastDraft.OnnxRuntime.Internals.Native;

/// <summary>Native memory owned by one object and freed when it is disposed, or by the critical finalizer when it is dropped undisposed.</summary>
internal sealed unsafe class NativeBuffer : SafeHandle
{
    public NativeBuffer(long bytes, bool clear = false)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        Bytes = bytes;
        SetHandle((nint)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64));
        if (clear)
        {
            NativeMemory.Clear(Pointer, (nuint)bytes);
        }
    }

    public byte* Pointer => (byte*)handle;

    public long Bytes { get; private set; }

    public override bool IsInvalid => handle == 0;

    /// <summary>Replaces the memory with a block of <paramref name="bytes"/> (contents not kept), without a new managed object.</summary>
    public void Reallocate(long bytes)
    {
        ObjectDisposedException.ThrowIf(IsClosed || IsInvalid, this);
        NativeMemory.AlignedFree((void*)handle);
        SetHandle(0);
        SetHandle((nint)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64));
        Bytes = bytes;
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        SetHandle(0);
        return true;
    }
}
