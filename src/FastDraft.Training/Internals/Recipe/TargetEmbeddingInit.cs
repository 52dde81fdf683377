using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime.Internals.Config;
using FastDraft.Training.Graph;

namespace FastDraft.Training;

/// <summary>A draft's initial parameters with its token embedding started from the target's (<see cref="EmbeddingPca"/>); every other tensor as a trainer would start it.</summary>
internal static class TargetEmbeddingInit
{
    /// <summary>The initial parameters of a draft of <paramref name="spec"/> whose embedding is the target's, projected to the draft's width.</summary>
    /// <exception cref="InvalidDataException">The target has no float token embedding of its vocabulary, or is narrower than the draft.</exception>
    public static float[] Parameters(DecoderSpec spec, string targetFolder, ulong seed, double standardDeviation)
    {
        ParameterLayout layout = DecoderParameters.Layout(spec);
        float[] parameters = new float[layout.TotalCount];
        ParameterInitializer.Initialize(layout, parameters, seed, standardDeviation);
        (float[] embedding, int width) = Read(targetFolder, spec.VocabularySize);
        if (width < spec.HiddenSize)
        {
            throw new InvalidDataException($"The target's embedding is {width} wide, narrower than the draft ({spec.HiddenSize}): its principal directions cannot fill the draft's width.");
        }

        ParameterTensor tensor = layout.Tensors.First(t => t.Name == DecoderParameters.Embedding);
        (double[] components, double[] mean) = EmbeddingPca.Components(embedding, spec.VocabularySize, width, spec.HiddenSize, seed);
        EmbeddingPca.Project(embedding, spec.VocabularySize, width, components, mean, spec.HiddenSize, standardDeviation, parameters.AsSpan((int)tensor.Offset, (int)tensor.Count));
        return parameters;
    }

    /// <summary>The target's token embedding, [vocabulary, width].</summary>
    private static (float[] Values, int Width) Read(string targetFolder, int vocabulary)
    {
        ModelFolder model = ModelFolder.Locate(targetFolder);
        List<OnnxFloatInitializer> candidates = [.. OnnxFloatInitializer.ReadAll(model.ModelFile).Where(t => t.Elements > vocabulary && t.Elements % vocabulary == 0)];
        OnnxFloatInitializer tensor = candidates.FirstOrDefault(t => t.Name == DecoderParameters.Embedding)
            ?? candidates.FirstOrDefault(t => t.Name.Contains("embed", StringComparison.OrdinalIgnoreCase) || t.Name.Contains("wte", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDataException($"'{model.ModelFile}' has no float32 or float16 token embedding of {vocabulary} rows (a quantized embedding cannot be read): the draft cannot start from it.");
        return (tensor.ReadValues(model.Folder, model.ModelFile), (int)(tensor.Elements / vocabulary));
    }
}
