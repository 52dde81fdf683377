using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.OnnxRuntime.Internals.Graph;

/// <summary>
/// Counts the bytes of a model's weights from its ONNX file without loading them: the main graph's initializers, each
/// its element count times its element size (stored in the file or outside it), so an int4 graph counts its packed bytes.
/// The read skips the tensors' data: it costs a pass over the file's structure, not over its weights.
/// </summary>
internal static class WeightCounter
{
    /// <summary>The bytes of the initializers of the model's main graph.</summary>
    /// <exception cref="InvalidModelException">The file is not a readable ONNX model.</exception>
    public static long Count(string modelPath)
    {
        using var file = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Count(file, modelPath);
    }

    /// <summary>The bytes of the initializers of the ONNX model in <paramref name="model"/> (a seekable stream).</summary>
    internal static long Count(Stream model, string modelPath)
    {
        long bytes = 0;
        GraphInspector.ForEachGraphField(model, modelPath, OnnxField.GraphInitializer, reader => bytes += TensorBytes(reader));
        return bytes;
    }

    /// <summary>Bits per element of an ONNX data type (TensorProto.DataType); 0 for strings and unknown types.</summary>
    internal static int BitsPerElement(int dataType) => dataType switch
    {
        OnnxDataType.Float or 6 or 12 => 32, // float, int32, uint32
        OnnxDataType.UInt8 or 3 or 9 or 17 or 18 or 19 or 20 => 8, // uint8, int8, bool, the float8 types
        4 or 5 or OnnxDataType.Float16 or OnnxDataType.BFloat16 => 16, // uint16, int16
        OnnxDataType.Int64 or OnnxDataType.Double or 13 => 64, // uint64
        21 or 22 => 4, // uint4, int4
        _ => 0,
    };

    private static long TensorBytes(ProtoReader reader)
    {
        long end = reader.ReadLengthEnd();
        var dims = new List<long>();
        int dataType = 0;
        while (reader.TryReadField(end, out int field, out WireType wire))
        {
            switch (field)
            {
                case OnnxField.TensorDims:
                    reader.ReadInt64s(wire, dims);
                    break;
                case OnnxField.TensorDataType when wire == WireType.Varint:
                    dataType = (int)reader.ReadVarint();
                    break;
                default:
                    reader.Skip(wire); // the data (raw, typed or a pointer outside the file) is never read
                    break;
            }
        }

        reader.Seek(end);
        long elements = 1;
        foreach (long dim in dims)
        {
            elements = checked(elements * Math.Max(0, dim));
        }

        return checked((elements * BitsPerElement(dataType)) + 7) / 8;
    }
}
