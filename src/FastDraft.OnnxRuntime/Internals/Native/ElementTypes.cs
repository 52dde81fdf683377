using Microsoft.ML.OnnxRuntime.Tensors;

namespace FastDraft.OnnxRuntime.Internals.Native;

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
