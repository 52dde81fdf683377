using System.Runtime.InteropServices;
using System.Text.Json;
using FastDraft.OnnxRuntime.Internals.Protobuf;

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
        foreach (OnnxFloatInitializer tensor in OnnxFloatInitializer.ReadAll(modelFile))
        {
            if (tensor.Elements >= MinimumElements)
            {
                AddNoise(tensor, destinationDirectory, modelFile, scale, seed);
            }
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

    private static void AddNoise(OnnxFloatInitializer tensor, string directory, string modelFile, float scale, ulong seed)
    {
        if (scale == 0)
        {
            return;
        }

        float[] values = tensor.ReadValues(directory, modelFile);
        double sumOfSquares = 0;
        foreach (float value in values)
        {
            sumOfSquares += (double)value * value;
        }

        double std = scale * Math.Sqrt(sumOfSquares / values.Length);
        var random = new SeededRandom(seed, tensor.Name);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += random.NextCentered(std);
        }

        var bytes = new byte[tensor.Length];
        if (tensor.DataType == OnnxDataType.Float16)
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

        string path = tensor.ExternalFile is null ? modelFile : Path.Combine(directory, tensor.ExternalFile);
        using FileStream stream = new(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = tensor.Offset;
        stream.Write(bytes);
    }
}
