using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FastDraft.OnnxRuntime.Internals.Sessions;

/// <summary>One row of a logits buffer as floats: the row itself when the graph returns float, else a conversion into a pooled buffer.</summary>
internal static unsafe class LogitsRow
{
    /// <summary>Reads <paramref name="vocabulary"/> logits at <paramref name="source"/>; a converted row lives in <paramref name="converted"/> (rented on first use, returned by the caller).</summary>
    public static ReadOnlySpan<float> Read(byte* source, TensorElementType type, int vocabulary, ref float[]? converted)
    {
        switch (type)
        {
            case TensorElementType.Float:
                return new ReadOnlySpan<float>(source, vocabulary);
            case TensorElementType.Float16:
                converted ??= ArrayPool<float>.Shared.Rent(vocabulary);
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(source, vocabulary), converted);
                return converted.AsSpan(0, vocabulary);
            default:
                converted ??= ArrayPool<float>.Shared.Rent(vocabulary);
                var bfloat = new ReadOnlySpan<ushort>(source, vocabulary);
                for (int i = 0; i < bfloat.Length; i++)
                {
                    converted[i] = BitConverter.UInt32BitsToSingle((uint)bfloat[i] << 16);
                }

                return converted.AsSpan(0, vocabulary);
        }
    }
}
