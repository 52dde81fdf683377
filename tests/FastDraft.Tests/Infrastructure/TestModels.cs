using System.Collections.Concurrent;
using FastDraft.ModelWriter;

namespace FastDraft.Tests.Infrastructure;

/// <summary>
/// Models written by the project's own ONNX writer (deterministic seeds), once per test run, into a
/// temporary folder shared by all tests. Thread-safe: parallel tests ask for the same model freely.
/// </summary>
internal static class TestModels
{
    /// <summary>The standard small target: vocabulary 96, 2 layers, 4 query / 2 key-value heads of size 16.</summary>
    public static readonly DecoderSpec Target = new()
    {
        VocabularySize = 96,
        HiddenSize = 64,
        Layers = 2,
        Heads = 4,
        KeyValueHeads = 2,
        IntermediateSize = 96,
        ContextLength = 512,
        Seed = 101,
    };

    /// <summary>An unrelated model with the target's vocabulary: a different seed and shape (near-zero acceptance).</summary>
    public static readonly DecoderSpec Unrelated = Target with { Seed = 977, Layers = 1, HiddenSize = 32, Heads = 2, KeyValueHeads = 1, Attention = AttentionKind.StandardOps };

    private static readonly string Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fastdraft-tests", $"run-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
    private static readonly ConcurrentDictionary<string, Lazy<string>> Written = new();

    static TestModels() => AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(Root);

    /// <summary>Writes <paramref name="spec"/> once under <paramref name="name"/> and returns its folder.</summary>
    public static string Folder(string name, DecoderSpec spec) =>
        Written.GetOrAdd(name, n => new Lazy<string>(() =>
        {
            string folder = System.IO.Path.Combine(Root, n);
            LlamaModelWriter.Write(spec, folder);
            return folder;
        })).Value;

    /// <summary>Writes a perturbed copy of <paramref name="sourceFolder"/> once under <paramref name="name"/>.</summary>
    public static string Perturbed(string name, string sourceFolder, float scale, ulong seed = 5) =>
        Written.GetOrAdd(name, n => new Lazy<string>(() =>
        {
            string folder = System.IO.Path.Combine(Root, n);
            ModelPerturber.WritePerturbedCopy(sourceFolder, folder, scale, seed);
            return folder;
        })).Value;

    /// <summary>A fresh scratch folder for a test that writes its own files.</summary>
    public static string Scratch(string name)
    {
        string folder = System.IO.Path.Combine(Root, "scratch", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static string GqaTarget => Folder("target-gqa", Target);

    /// <summary>Words the text model's tokenizer gives their own tokens.</summary>
    public static readonly string[] Words =
    [
        "the", "cat", "sat", "on", "mat", "end", "a", "dog", "ran", "to", "and", "of", "in", "is", "it", "was", "for", "with", "as",
        "at", "by", "this", "from", "or", "but", "not", "what", "all", "were", "when", "we", "there", "can", "an", "your", "which",
    ];

    /// <summary>ChatML, as Qwen's tokenizer_config.json writes it (recognised by its markers).</summary>
    public const string ChatMLTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private static readonly Lazy<string> TextModelFolder = new(() =>
    {
        string folder = System.IO.Path.Combine(Root, "text-model");
        WrittenTokenizer tokenizer = TokenizerWriter.WriteByteLevel(folder, 400, Words, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], ChatMLTemplate);
        LlamaModelWriter.Write(
            Target with { VocabularySize = tokenizer.VocabularySize, Seed = 55, EndOfSequenceTokenId = tokenizer.SpecialTokenIds[0], BeginningOfSequenceTokenId = tokenizer.SpecialTokenIds[0], PaddingTokenId = tokenizer.SpecialTokenIds[0] },
            folder);
        return folder;
    });

    /// <summary>A small model with a byte-level tokenizer (bytes, three special tokens, <see cref="Words"/>) and a ChatML template.</summary>
    public static string TextModel => TextModelFolder.Value;

    /// <summary><see cref="Target"/> with int4 (MatMulNBits) projections and head: the float32 <see cref="GqaTarget"/> is its unquantized sibling.</summary>
    public static string Int4Target => Folder("target-int4", Target with { Precision = ModelPrecision.Int4 });

    /// <summary><see cref="Target"/> in float16 (weights, activations, cache and logits).</summary>
    public static string Fp16Target => Folder("target-fp16", Target with { Precision = ModelPrecision.Fp16 });

    public static string StandardTarget => Folder("target-std", Target with { Attention = AttentionKind.StandardOps });

    public static string UnrelatedDraft => Folder("unrelated", Unrelated);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
