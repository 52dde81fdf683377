using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace FastDraft.Tests.Infrastructure;

/// <summary>ONNX Runtime GenAI 0.18 itself, as an independent oracle.</summary>
internal static class GenAIOracle
{
    /// <summary>Greedy decoding of <paramref name="tokens"/> new tokens by GenAI from a model folder.</summary>
    public static int[] Greedy(string folder, int[] prompt, int tokens)
    {
        using var model = new GenAI.Model(folder);
        using var parameters = new GenAI.GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + tokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new GenAI.Generator(model, parameters);
        generator.AppendTokens(prompt);
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
        }

        return generator.GetSequence(0)[prompt.Length..].ToArray();
    }
}
