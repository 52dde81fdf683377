using System.Collections.Concurrent;
using FastDraft.ModelWriter;

namespace FastDraft.Tests.Infrastructure;

/// <summary>
/// Models of one seeded family at several vocabulary widths, written by the project's writer: the widest is written
/// seeded, and each width is written again from its weights with the embedding's rows and the LM head's columns cut to
/// that width. Every width therefore gives the very same logits on the ids it has (a padded or truncated copy, as a
/// family padding its vocabularies to different multiples). Written once per test run.
/// </summary>
internal static class ResizedModels
{
    private const string Embedding = "model.embed_tokens.weight";
    private const string Head = "lm_head.weight";
    private static readonly ConcurrentDictionary<string, Lazy<string>> Written = new();

    /// <summary>Writes <paramref name="spec"/> with the weights of <paramref name="widest"/> (seeded, at least as wide and deep) cut to its width.</summary>
    public static string Folder(string name, DecoderSpec widest, DecoderSpec spec) =>
        Written.GetOrAdd(name, _ => new Lazy<string>(() =>
        {
            if (spec.VocabularySize > widest.VocabularySize || spec.Layers > widest.Layers || spec.TiedEmbeddings != widest.TiedEmbeddings)
            {
                throw new ArgumentException("The widest model must be at least as wide and as deep, and tie its head alike.", nameof(spec));
            }

            string source = TestModels.Folder($"resized-source-{widest.GetHashCode():x8}", widest);
            string modelFile = Path.Combine(source, "model.onnx");
            Dictionary<string, float[]> weights = OnnxFloatInitializer.ReadAll(modelFile).ToDictionary(t => t.Name, t => t.ReadValues(source, modelFile));
            string folder = TestModels.Scratch(name);
            LlamaModelWriter.Write(spec, folder, tensor => Cut(tensor, weights[tensor], widest, spec.VocabularySize));
            return folder;
        })).Value;

    private static float[] Cut(string tensor, float[] values, DecoderSpec widest, int width)
    {
        int hidden = widest.HiddenSize;
        return tensor switch
        {
            Embedding => values[..(width * hidden)], // [vocabulary, hidden]: the first rows
            Head => [.. Enumerable.Range(0, hidden).SelectMany(row => values.AsSpan(row * widest.VocabularySize, width).ToArray())], // [hidden, vocabulary]: the first columns
            _ => values,
        };
    }
}
