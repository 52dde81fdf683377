using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FastDraft.OnnxRuntime.Internals.Native;

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
