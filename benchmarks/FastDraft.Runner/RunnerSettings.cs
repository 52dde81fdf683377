using FastDraft.ModelWriter;

namespace FastDraft.Runner;

/// <summary>Settings of the end-to-end benchmark runner (read from its command line by <see cref="RunnerCommand"/>).</summary>
public sealed record RunnerSettings
{
    public bool Quick { get; init; }
    public string Output { get; init; } = Path.Combine("benchmarks", "results");
    public string Cache { get; init; } = DefaultCache();
    public string? SharedModels { get; init; }
    public int Tokens { get; init; } = 64;
    public int Repetitions { get; init; } = 6;
    public int DraftTokens { get; init; } = 4;
    public int[] DraftTokenSweep { get; init; } = [1, 2, 4, 6, 8];

    /// <summary>
    /// The precisions the synthetic target is measured at: float32 with every draft and the K sweep; any other
    /// (int4, fp16) with its aligned draft at the same precision, at the default K.
    /// </summary>
    public ModelPrecision[] SyntheticPrecisions { get; init; } = [ModelPrecision.Fp32, ModelPrecision.Int4];

    /// <summary>Draft-confidence thresholds to measure (adaptive mode, first draft of each target).</summary>
    public float[] ConfidenceThresholds { get; init; } = [0.3f];

    /// <summary>Intra-op threads for ORT GenAI's sessions: as many as FastDraft's shared pool uses (the processors available).</summary>
    public int GenAIThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Fixed intra-op thread counts per session at which ours is measured too (target-only, n-gram, the first draft at
    /// the default K and adaptive), beside each model's automatic choice; default one and two.
    /// </summary>
    public int[] FixedThreads { get; init; } = [1, 2];

    /// <summary>A target folder of the user's: when set, the runner measures this pair instead of its fixed ones.</summary>
    public string? Target { get; init; }

    /// <summary>The draft folders measured with <see cref="Target"/>.</summary>
    public string[] Drafts { get; init; } = [];

    /// <summary>The JSONL prompts file for <see cref="Target"/> (<c>"prompt"</c> text or <c>"ids"</c> per line, as <c>fastdraft eval</c> reads it).</summary>
    public string? Prompts { get; init; }

    /// <summary>Reads settings from a command line; throws <see cref="ArgumentException"/> with the first problem (for tests and scripts).</summary>
    public static RunnerSettings Parse(string[] args) => RunnerCommand.Parse(args);

    /// <summary>Where a <c>--quick</c> run writes without <c>--out</c>: <c>artifacts/quick</c> under the repository (git-ignored), not the committed results.</summary>
    internal static string QuickOutput(string repositoryRoot) => Path.Combine(repositoryRoot, "artifacts", "quick");

    internal static string DefaultCache() =>
        Environment.GetEnvironmentVariable("FASTDRAFT_CACHE") is { Length: > 0 } cache
            ? Path.Combine(cache, "bench-v1")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } local ? local : Path.GetTempPath(), "FastDraft", "bench-v1");

    /// <summary>The ../shared/models folder beside the repository, when present (for the trained codepair).</summary>
    internal static string? FindSharedModels()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FastDraft.sln")))
            {
                string shared = Path.Combine(dir.FullName, "..", "shared", "models");
                return Directory.Exists(shared) ? Path.GetFullPath(shared) : null;
            }
        }

        return null;
    }
}
