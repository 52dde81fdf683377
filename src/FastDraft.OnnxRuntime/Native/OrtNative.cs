using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FastDraft.OnnxRuntime.Native;

/// <summary>
/// The few ONNX Runtime C API calls the decoding hot path needs, called through the runtime's
/// own function table so that binding a tensor to a name allocates no managed memory (the managed
/// <see cref="OrtIoBinding"/> re-encodes the name and wraps the value on every call).
/// </summary>
/// <remarks>
/// The function table is ONNX Runtime's <c>OrtApi</c>, read with the field layout the managed
/// package itself declares, so it always matches the native library the package ships. Values
/// created here are released by the caller right after binding: an IOBinding keeps its own
/// reference to every bound value.
/// </remarks>
internal static unsafe class OrtNative
{
    private const uint ApiVersion = 14;

    private static readonly delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> s_createTensor;
    private static readonly delegate* unmanaged<nint, byte*, nint, nint> s_bindInput;
    private static readonly delegate* unmanaged<nint, byte*, nint, nint> s_bindOutput;
    private static readonly delegate* unmanaged<nint, void> s_releaseValue;
    private static readonly delegate* unmanaged<nint, byte*> s_getErrorMessage;
    private static readonly delegate* unmanaged<nint, void> s_releaseStatus;

#pragma warning disable CA1810 // the table must be read once, before any use, and may fail with a clear message
    static OrtNative()
    {
        // Load the same library the managed package binds to (honouring any resolver set on it).
        nint library = NativeLibrary.Load("onnxruntime", typeof(OrtValue).Assembly, null);
        var getApiBase = (delegate* unmanaged<OrtApiBase*>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        var getApi = (delegate* unmanaged<uint, OrtApi*>)getApiBase()->GetApi;
        OrtApi* api = getApi(ApiVersion);
        if (api == null)
        {
            throw new NotSupportedException($"The ONNX Runtime native library does not provide C API version {ApiVersion}.");
        }

        s_createTensor = (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)api->CreateTensorWithDataAsOrtValue;
        s_bindInput = (delegate* unmanaged<nint, byte*, nint, nint>)api->BindInput;
        s_bindOutput = (delegate* unmanaged<nint, byte*, nint, nint>)api->BindOutput;
        s_releaseValue = (delegate* unmanaged<nint, void>)api->ReleaseValue;
        s_getErrorMessage = (delegate* unmanaged<nint, byte*>)api->GetErrorMessage;
        s_releaseStatus = (delegate* unmanaged<nint, void>)api->ReleaseStatus;
    }
#pragma warning restore CA1810

    /// <summary>Binds <paramref name="data"/> (not copied, not owned) as a tensor of the given shape to an input of <paramref name="binding"/>.</summary>
    public static void BindInput(OrtIoBinding binding, NativeName name, nint memoryInfo, void* data, long bytes, ReadOnlySpan<long> shape, TensorElementType type) =>
        Bind(s_bindInput, binding, name, memoryInfo, data, bytes, shape, type);

    /// <summary>Binds <paramref name="data"/> (not copied, not owned) as the preallocated tensor an output of <paramref name="binding"/> is written to.</summary>
    public static void BindOutput(OrtIoBinding binding, NativeName name, nint memoryInfo, void* data, long bytes, ReadOnlySpan<long> shape, TensorElementType type) =>
        Bind(s_bindOutput, binding, name, memoryInfo, data, bytes, shape, type);

    private static void Bind(
        delegate* unmanaged<nint, byte*, nint, nint> bind,
        OrtIoBinding binding,
        NativeName name,
        nint memoryInfo,
        void* data,
        long bytes,
        ReadOnlySpan<long> shape,
        TensorElementType type)
    {
        nint value = 0;
        fixed (long* dims = shape)
        {
            Check(s_createTensor(memoryInfo, data, (nuint)bytes, dims, (nuint)shape.Length, (int)type, &value), name);
        }

        bool added = false;
        try
        {
            binding.DangerousAddRef(ref added);
            Check(bind(binding.DangerousGetHandle(), name.Pointer, value), name);
        }
        finally
        {
            if (added)
            {
                binding.DangerousRelease();
            }

            s_releaseValue(value);
        }
    }

    private static void Check(nint status, NativeName name)
    {
        if (status != 0)
        {
            string message = Marshal.PtrToStringUTF8((nint)s_getErrorMessage(status)) ?? "unknown error";
            s_releaseStatus(status);
            throw new InvalidOperationException($"ONNX Runtime could not bind '{name}': {message}");
        }
    }
}

/// <summary>A tensor name encoded once as zero-terminated UTF-8 in memory that never moves.</summary>
internal sealed unsafe class NativeName
{
    private readonly byte[] _bytes;

    public NativeName(string text)
    {
        Text = text;
        int length = System.Text.Encoding.UTF8.GetByteCount(text);
        _bytes = GC.AllocateArray<byte>(length + 1, pinned: true);
        System.Text.Encoding.UTF8.GetBytes(text, _bytes);
    }

    public string Text { get; }

    public byte* Pointer => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bytes));

    public override string ToString() => Text;
}

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

/// <summary>Element sizes of the tensor types FastDraft binds.</summary>
internal static class ElementTypes
{
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Float16 or TensorElementType.BFloat16 or TensorElementType.Int16 or TensorElementType.UInt16 => 2,
        TensorElementType.Int64 or TensorElementType.UInt64 or TensorElementType.Double => 8,
        TensorElementType.Int8 or TensorElementType.UInt8 or TensorElementType.Bool => 1,
        _ => throw new NotSupportedException($"Tensor element type {type} is not supported."),
    };
}
