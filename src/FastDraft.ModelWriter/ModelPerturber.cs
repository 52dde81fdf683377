using System.Runtime.InteropServices;
using System.Text.Json;
using FastDraft.Onnx;

namespace FastDraft.ModelWriter;

/// <summary>
/// Writes a perturbed copy of an ONNX model folder: the same graph and weights, with seeded noise
/// added to every floating-point weight tensor. A small scale gives a draft that usually agrees
/// with the original, a large one a draft that rarely does.
/// </summary>
public static class ModelPerturber
{
    /// <summary>Tensors with fewer elements (scalars such as epsilons, small shape constants) are left exact.</summary>
    private const int MinimumElements = 64;

    /// <summary>
    /// Copies <paramref name="sourceDirectory"/> to <paramref name="destinationDirectory"/> and adds
    /// to each float or float16 initializer of its ONNX graph uniform noise of standard deviation
    /// <paramref name="scale"/> × (the tensor's root mean square). Works on inline and external weights alike.
    /// </summary>
    /// <param name="sourceDirectory">A model folder (with <c>genai_config.json</c>, or one <c>.onnx</c> file).</param>
    /// <param name="destinationDirectory">The folder to write; created if needed, files of the same names replaced.</param>
    /// <param name="scale">The noise scale relative to each tensor's RMS; 0 writes an exact copy.</param>
    /// <param name="seed">The noise seed.</param>
    /// <exception cref="DirectoryNotFoundException">The source folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The model file cannot be parsed.</exception>
    public static void WritePerturbedCopy(string sourceDirectory, string destinationDirectory, float scale, ulong seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        if (!Directory.Exists(sourceDirectory))
        {
            throw new DirectoryNotFoundException($"Model folder '{sourceDirectory}' does not exist.");
        }

        Directory.CreateDirectory(destinationDirectory);
        foreach (string file in Directory.GetFiles(sourceDirectory))
        {
            string target = Path.Combine(destinationDirectory, Path.GetFileName(file));
            File.Copy(file, target, overwrite: true);
            File.SetAttributes(target, FileAttributes.Normal); // sources may be read-only
        }

        string modelFile = Path.Combine(destinationDirectory, ModelFileName(sourceDirectory));
        foreach (FloatTensor tensor in FloatTensor.ReadAll(modelFile))
        {
            tensor.AddNoise(destinationDirectory, modelFile, scale, seed);
        }
    }

    private static string ModelFileName(string directory)
    {
        string config = Path.Combine(directory, "genai_config.json");
        if (File.Exists(config))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(config));
            if (document.RootElement.TryGetProperty("model", out JsonElement model)
                && model.TryGetProperty("decoder", out JsonElement decoder)
                && decoder.TryGetProperty("filename", out JsonElement filename)
                && filename.GetString() is { } name)
            {
                return name;
            }
        }

        string[] models = Directory.GetFiles(directory, "*.onnx");
        return models.Length == 1 ? Path.GetFileName(models[0]) : "model.onnx";
    }

    /// <summary>Where a floating-point initializer's values are stored.</summary>
    private sealed record FloatTensor(string Name, int DataType, long Elements, string? ExternalFile, long Offset, long Length)
    {
        public static List<FloatTensor> ReadAll(string modelFile)
        {
            var tensors = new List<FloatTensor>();
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

        public void AddNoise(string directory, string modelFile, float scale, ulong seed)
        {
            if (scale == 0)
            {
                return;
            }

            string path = ExternalFile is null ? modelFile : Path.Combine(directory, ExternalFile);
            var bytes = new byte[Length];
            using FileStream stream = new(path, FileMode.Open, FileAccess.ReadWrite);
            stream.Position = Offset;
            stream.ReadExactly(bytes);
            float[] values = DataType == OnnxDataType.Float16
                ? [.. MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h)]
                : MemoryMarshal.Cast<byte, float>(bytes).ToArray();

            double sumOfSquares = 0;
            foreach (float value in values)
            {
                sumOfSquares += (double)value * value;
            }

            double std = scale * Math.Sqrt(sumOfSquares / values.Length);
            var random = new SeededRandom(seed, Name);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] += random.NextCentered(std);
            }

            if (DataType == OnnxDataType.Float16)
            {
                Span<Half> halves = MemoryMarshal.Cast<byte, Half>(bytes.AsSpan());
                for (int i = 0; i < values.Length; i++)
                {
                    halves[i] = (Half)values[i];
                }
            }
            else
            {
                MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
            }

            stream.Position = Offset;
            stream.Write(bytes);
        }

        private static FloatTensor? Read(ProtoReader reader, long end)
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
            if (dataType is not (OnnxDataType.Float or OnnxDataType.Float16) || elements < MinimumElements)
            {
                return null;
            }

            int elementSize = dataType == OnnxDataType.Float ? 4 : 2;
            if (external.TryGetValue("location", out string? location))
            {
                long offset = external.TryGetValue("offset", out string? o) ? long.Parse(o, System.Globalization.CultureInfo.InvariantCulture) : 0;
                return new FloatTensor(name, dataType, elements, location, offset, elements * elementSize);
            }

            // float16 values in the repeated int32 field are varint-encoded and cannot be patched in place.
            return rawOffset >= 0 && rawLength == elements * elementSize
                ? new FloatTensor(name, dataType, elements, null, rawOffset, rawLength)
                : null;
        }
    }
}
