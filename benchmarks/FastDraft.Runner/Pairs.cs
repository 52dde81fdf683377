using System.Text;
using System.Text.Json;
using FastDraft.Evaluation;
using FastDraft.ModelWriter;
using FastDraft.Text;

namespace FastDraft.Runner;

/// <summary>A draft model folder to pair with a target.</summary>
public sealed record BenchDraft(string Name, string Folder, string Description);

/// <summary>A target model folder, its prompts and the drafts it is measured with.</summary>
public sealed record BenchTarget(string Name, string Folder, int[][] Prompts, IReadOnlyList<BenchDraft> Drafts, string Description, bool SweepDraftTokens);

/// <summary>
/// The benchmark pairs. Synthetic ones are written once by the project's ONNX writer into the cache
/// folder (never committed, never downloaded); the trained codepair comes from ../shared when present.
/// </summary>
public static class Pairs
{
    public static List<BenchTarget> Create(RunnerSettings settings, TextWriter log)
    {
        if (settings.Target is { } target)
        {
            return [User(target, settings.Drafts, settings.Prompts!)];
        }

        var targets = new List<BenchTarget>();
        foreach (ModelPrecision precision in settings.SyntheticPrecisions)
        {
            targets.Add(precision == ModelPrecision.Fp32 ? Synthetic(settings, log) : Quantized(settings, precision, log));
        }

        if (!settings.Quick && settings.SharedModels is { } shared && Directory.Exists(Path.Combine(shared, "codepair-dev")))
        {
            targets.Add(Codepair(Path.Combine(shared, "codepair-dev")));
        }

        return targets;
    }

    /// <summary>The synthetic target's folder (124M parameters, or the tiny one with <see cref="RunnerSettings.Quick"/>), written to the cache if absent.</summary>
    public static string SyntheticTargetFolder(RunnerSettings settings, TextWriter log) =>
        Write(Path.Combine(settings.Cache, settings.Quick ? "quick" : "full"), "target", SyntheticSpec(settings), log);

    /// <summary>The synthetic target's shape (before the attenuation that makes its first 2 layers an aligned draft).</summary>
    private static DecoderSpec SyntheticSpec(RunnerSettings settings)
    {
        DecoderSpec target = settings.Quick
            ? new DecoderSpec { VocabularySize = 512, HiddenSize = 64, Layers = 4, Heads = 4, KeyValueHeads = 2, IntermediateSize = 128, ContextLength = 256, Seed = 7 }
            : new DecoderSpec { VocabularySize = 32000, HiddenSize = 768, Layers = 12, Heads = 12, KeyValueHeads = 4, IntermediateSize = 2048, ContextLength = 1024, Seed = 7 };
        return target with { AttenuatedLayersFrom = 2, AttenuationScale = 0.02f, EndOfSequenceTokenId = target.VocabularySize - 1 };
    }

    private static string SyntheticName(RunnerSettings settings, DecoderSpec target) =>
        settings.Quick ? "synthetic-tiny" : $"synthetic-{target.ParameterCount / 1_000_000}m";

    /// <summary>The synthetic prompts: one plain, one repetitive (the same at every precision).</summary>
    private static int[][] SyntheticPrompts(DecoderSpec target)
    {
        var random = new Random(5);
        int[] Random(int length) => [.. Enumerable.Range(0, length).Select(_ => random.Next(3, target.VocabularySize - 1))];
        int[] stretch = Random(12);
        return [Random(32), [.. Enumerable.Repeat(stretch, 4).SelectMany(s => s)]];
    }

    /// <summary>
    /// The synthetic target written at another precision (int4: MatMulNBits as the builder's CPU int4 exports;
    /// fp16), with its aligned 2-layer draft at the same precision, at the default K only: the row of a
    /// quantized deployment against GenAI on the same folders.
    /// </summary>
    private static BenchTarget Quantized(RunnerSettings settings, ModelPrecision precision, TextWriter log)
    {
        DecoderSpec target = SyntheticSpec(settings) with { Precision = precision };
        string suffix = precision.ToString().ToLowerInvariant();
        string root = Path.Combine(settings.Cache, settings.Quick ? "quick" : "full");
        string targetFolder = Write(root, $"target-{suffix}", target, log);
        var drafts = new List<BenchDraft>
        {
            new("aligned-2-layer", Write(root, $"aligned-{suffix}", target with { Layers = 2 }, log), $"the target's first 2 layers (same seed), {suffix} too"),
        };
        return new BenchTarget(
            $"{SyntheticName(settings, target)}-{suffix}", targetFolder, SyntheticPrompts(target), drafts,
            $"{target.ParameterCount / 1e6:F1}M parameters in {suffix}, GQA, vocabulary {target.VocabularySize}, {target.Layers} layers", SweepDraftTokens: false);
    }

    /// <summary>
    /// A memory-bound target (GroupQueryAttention, vocabulary 32k, ≥ 100M parameters at full size)
    /// whose layers after the second add only small contributions, so that the same-seed 2-layer model is
    /// an aligned draft: a synthetic stand-in for a trained draft. Plus an unrelated tiny draft (the worst
    /// case) and a perturbed copy of the target (high acceptance at the target's own cost).
    /// </summary>
    private static BenchTarget Synthetic(RunnerSettings settings, TextWriter log)
    {
        DecoderSpec target = SyntheticSpec(settings);
        DecoderSpec unrelated = target with { Seed = 99, HiddenSize = 64, Layers = 1, Heads = 4, KeyValueHeads = 2, IntermediateSize = 128, AttenuatedLayersFrom = int.MaxValue };
        string root = Path.Combine(settings.Cache, settings.Quick ? "quick" : "full");
        string name = SyntheticName(settings, target);

        string targetFolder = Write(root, "target", target, log);
        var drafts = new List<BenchDraft>
        {
            new("aligned-2-layer", Write(root, "aligned", target with { Layers = 2 }, log), "the target's first 2 layers (same seed): a synthetic aligned draft"),
            new("unrelated-tiny", Write(root, "unrelated", unrelated, log), $"an unrelated {unrelated.ParameterCount / 1e6:F1}M-parameter model: acceptance ≈ 0, the worst case"),
            new("perturbed-copy", Perturbed(root, targetFolder, log), "the target with 2% noise: high acceptance at the target's own cost"),
        };

        int[][] prompts = SyntheticPrompts(target);
        return new BenchTarget(name, targetFolder, prompts, drafts, $"{target.ParameterCount / 1e6:F1}M parameters, GQA, vocabulary {target.VocabularySize}, {target.Layers} layers", SweepDraftTokens: true);
    }

    /// <summary>The trained byte-level code pair: a realistic (acceptance, cost) point.</summary>
    private static BenchTarget Codepair(string folder)
    {
        int[][] prompts = [.. File.ReadLines(Path.Combine(folder, "prompts.jsonl")).Take(3)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("prompt").GetString()!)
            .Select(prompt => Encoding.UTF8.GetBytes(prompt).Select(b => (int)b).ToArray())];
        BenchDraft draft = new("trained-draft", Path.Combine(folder, "draft"), "the FastDraft-aligned 0.39M draft");
        return new BenchTarget("codepair-dev", Path.Combine(folder, "target"), prompts, [draft], "trained 4.3M byte-level code model", SweepDraftTokens: true);
    }

    /// <summary>
    /// The user's pair (<c>--target</c>, <c>--draft</c>, <c>--prompts</c>): prompts read as <c>fastdraft eval</c>
    /// reads them, the first draft swept over K.
    /// </summary>
    private static BenchTarget User(string target, string[] drafts, string prompts)
    {
        string Name(string folder)
        {
            string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
            string? parent = Path.GetFileName(Path.GetDirectoryName(full));
            return string.IsNullOrEmpty(parent) ? Path.GetFileName(full) : $"{parent}/{Path.GetFileName(full)}";
        }

        int[][] ids = [.. PromptFile.Read(prompts, () => ModelTokenizer.Load(target))];
        BenchDraft[] benchDrafts = [.. drafts.Select((d, i) => new BenchDraft(drafts.Length == 1 ? "draft" : $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)))}-{i + 1}", d, Name(d)))];
        return new BenchTarget(Name(target), target, ids, benchDrafts, $"{Name(target)} with {string.Join(", ", drafts.Select(Name))}, {ids.Length} prompts from {prompts}", SweepDraftTokens: true);
    }

    private static string Write(string root, string name, DecoderSpec spec, TextWriter log) =>
        Cached(Path.Combine(root, name), log, $"{name} ({spec.ParameterCount / 1e6:F1}M parameters)", partial => LlamaModelWriter.Write(spec, partial));

    private static string Perturbed(string root, string targetFolder, TextWriter log) =>
        Cached(Path.Combine(root, "perturbed"), log, "a perturbed copy of the target", partial => ModelPerturber.WritePerturbedCopy(targetFolder, partial, 0.02f, 3));

    /// <summary>Writes a model once: into a partial folder, moved into place when complete, so an interrupted run leaves nothing half-written.</summary>
    private static string Cached(string folder, TextWriter log, string what, Action<string> write)
    {
        if (!Directory.Exists(folder))
        {
            log.WriteLine($"writing {what} to {folder}");
            string partial = folder + ".partial";
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }

            write(partial);
            Directory.Move(partial, folder);
        }

        return folder;
    }
}
