using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime.Tensors;

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

    /// <summary>Writes <paramref name="values"/> from element <paramref name="offset"/> on, as the model's integer inputs take them (int64 or int32).</summary>
    public void WriteIntegers(TensorElementType type, int offset, ReadOnlySpan<int> values)
    {
        System.Diagnostics.Debug.Assert((long)(offset + values.Length) * (type == TensorElementType.Int64 ? 8 : 4) <= Bytes, "writes past the buffer");
        if (type == TensorElementType.Int64)
        {
            long* destination = (long*)Pointer + offset;
            for (int i = 0; i < values.Length; i++)
            {
                destination[i] = values[i];
            }
        }
        else
        {
            values.CopyTo(new Span<int>((int*)Pointer + offset, values.Length));
        }
    }

    /// <summary>Writes one integer at element <paramref name="index"/> (see <see cref="WriteIntegers"/>).</summary>
    public void WriteInteger(TensorElementType type, int index, int value) => WriteIntegers(type, index, new ReadOnlySpan<int>(in value));

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
