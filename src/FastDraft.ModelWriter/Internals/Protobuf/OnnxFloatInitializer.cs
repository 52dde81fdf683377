using System.Runtime.InteropServices;
using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.ModelWriter;

/// <summary>Where a float32 or float16 initializer's values are stored (inline or in an external data file).</summary>
internal sealed record OnnxFloatInitializer(string Name, int DataType, long Elements, string? ExternalFile, long Offset, long Length)
{
    /// <summary>Lists the float32 and float16 initializers of an ONNX file (without reading their values).</summary>
    public static List<OnnxFloatInitializer> ReadAll(string modelFile)
    {
        var tensors = new List<OnnxFloatInitializer>();
        using FileStream stream = File.OpenRead(modelFile);
        var reader = new ProtoReader(stream);
        while (reader.TryReadField(stream.Length, out int field, out WireType wire))
        {
            if (field != OnnxField.ModelGraph || wire != WireType.LengthDelimited)
            {
                reader.Skip(wire);
                continue;
            }

            long graphEnd = reader.ReadLengthEnd();
            while (reader.TryReadField(graphEnd, out int graphField, out WireType graphWire))
            {
                if (graphField == OnnxField.GraphInitializer && graphWire == WireType.LengthDelimited)
                {
                    long end = reader.ReadLengthEnd();
                    if (Read(reader, end) is { } tensor)
                    {
                        tensors.Add(tensor);
                    }

                    reader.Seek(end);
                }
                else
                {
                    reader.Skip(graphWire);
                }
            }
        }

        return tensors;
    }

    /// <summary>Reads the values as float32 (float16 widened).</summary>
    /// <param name="directory">The model folder (external data files are relative to it).</param>
    /// <param name="modelFile">The ONNX file the initializer was read from.</param>
    public float[] ReadValues(string directory, string modelFile)
    {
        string path = ExternalFile is null ? modelFile : Path.Combine(directory, ExternalFile);
        var bytes = new byte[Length];
        using FileStream stream = File.OpenRead(path);
        stream.Position = Offset;
        stream.ReadExactly(bytes);
        return DataType == OnnxDataType.Float16
            ? [.. MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h)]
            : MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static OnnxFloatInitializer? Read(ProtoReader reader, long end)
    {
        var dims = new List<long>();
        int dataType = 0;
        string name = string.Empty;
        long rawOffset = -1;
        long rawLength = 0;
        var external = new Dictionary<string, string>();
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
                case OnnxField.TensorName when wire == WireType.LengthDelimited:
                    name = reader.ReadString();
                    break;
                case OnnxField.TensorRawData or OnnxField.TensorFloatData when wire == WireType.LengthDelimited:
                    long dataEnd = reader.ReadLengthEnd();
                    rawOffset = reader.Position;
                    rawLength = dataEnd - rawOffset;
                    reader.Seek(dataEnd);
                    break;
                case OnnxField.TensorExternalData when wire == WireType.LengthDelimited:
                    long entryEnd = reader.ReadLengthEnd();
                    string key = string.Empty;
                    string value = string.Empty;
                    while (reader.TryReadField(entryEnd, out int entryField, out WireType entryWire))
                    {
                        if (entryField == OnnxField.StringEntryKey)
                        {
                            key = reader.ReadString();
                        }
                        else if (entryField == OnnxField.StringEntryValue)
                        {
                            value = reader.ReadString();
                        }
                        else
                        {
                            reader.Skip(entryWire);
                        }
                    }

                    external[key] = value;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        long elements = dims.Aggregate(1L, (a, b) => a * b);
        if (dataType is not (OnnxDataType.Float or OnnxDataType.Float16))
        {
            return null;
        }

        int elementSize = dataType == OnnxDataType.Float ? 4 : 2;
        if (external.TryGetValue("location", out string? location))
        {
            long offset = external.TryGetValue("offset", out string? o) ? long.Parse(o, System.Globalization.CultureInfo.InvariantCulture) : 0;
            return new OnnxFloatInitializer(name, dataType, elements, location, offset, elements * elementSize);
        }

        // float16 values in the repeated int32 field are varint-encoded and cannot be patched in place.
        return rawOffset >= 0 && rawLength == elements * elementSize
            ? new OnnxFloatInitializer(name, dataType, elements, null, rawOffset, rawLength)
            : null;
    }
}
