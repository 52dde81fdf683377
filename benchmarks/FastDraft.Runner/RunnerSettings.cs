using System.Globalization;

namespace FastDraft.Runner;

/// <summary>Command-line settings of the end-to-end benchmark runner.</summary>
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

    /// <summary>Draft-confidence thresholds to measure (adaptive mode, first draft of each target).</summary>
    public float[] ConfidenceThresholds { get; init; } = [0.3f];

    /// <summary>Intra-op threads for ORT GenAI's sessions: as many as FastDraft's shared pool uses (one per core here).</summary>
    public int GenAIThreads { get; init; } = Environment.ProcessorCount;

    public static RunnerSettings Parse(string[] args)
    {
        var settings = new RunnerSettings { SharedModels = FindSharedModels() };
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
            int Number() => int.Parse(Value(), CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--quick" => settings with { Quick = true, Tokens = 12, Repetitions = 1, DraftTokenSweep = [1, 2] },
                "--out" => settings with { Output = Value() },
                "--cache" => settings with { Cache = Value() },
                "--shared" => settings with { SharedModels = Value() },
                "--no-shared" => settings with { SharedModels = null },
                "--tokens" => settings with { Tokens = Number() },
                "--repetitions" => settings with { Repetitions = Number() },
                "--k" => settings with { DraftTokens = Number() },
                "--genai-threads" => settings with { GenAIThreads = Number() },
                "--confidence" => settings with { ConfidenceThresholds = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => float.Parse(v, CultureInfo.InvariantCulture))] },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }

        return settings;
    }

    private static string DefaultCache() =>
        Environment.GetEnvironmentVariable("FASTDRAFT_CACHE") is { Length: > 0 } cache
            ? Path.Combine(cache, "bench-v1")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } local ? local : Path.GetTempPath(), "FastDraft", "bench-v1");

    /// <summary>The ../shared/models folder beside the repository, when present (for the trained codepair).</summary>
    private static string? FindSharedModels()
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
