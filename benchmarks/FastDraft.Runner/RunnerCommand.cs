using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastDraft.ModelWriter;

namespace FastDraft.Runner;

/// <summary>The runner's command line (System.CommandLine): options, <c>--help</c>, one-line errors, Ctrl-C.</summary>
public static class RunnerCommand
{
    /// <summary>Exit code for bad arguments or unusable inputs (one line on stderr).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code after Ctrl-C.</summary>
    public const int Cancelled = 130;

    /// <summary>Parses, then runs the benchmark and writes its report; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        (RootCommand root, Func<ParseResult, RunnerSettings> read) = Build();
        root.SetAction((parsed, token) =>
        {
            RunnerSettings settings = read(parsed);
            var clock = Stopwatch.StartNew();
            (List<ModeResult> results, List<Calibration> calibrations) = BenchmarkRun.Run(settings, output, token);
            Report.Write(settings, results, calibrations, clock.Elapsed, output);
            output.WriteLine(File.ReadAllText(Path.Combine(settings.Output, "benchmark.md")));
            return Task.FromResult(0);
        });
        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {result.Errors[0].Message} (try --help)").ConfigureAwait(false);
            return UsageError;
        }

        try
        {
            var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
            return await result.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("stopped.").ConfigureAwait(false);
            return Cancelled;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or InvalidModelException or ModelNotSupportedException or JsonException)
        {
            await error.WriteLineAsync($"error: {ex.Message.Split('\n')[0].Trim()}").ConfigureAwait(false);
            return UsageError;
        }
    }

    /// <summary>Reads settings from a command line; throws <see cref="ArgumentException"/> with the first problem.</summary>
    public static RunnerSettings Parse(string[] args)
    {
        (RootCommand root, Func<ParseResult, RunnerSettings> read) = Build();
        root.SetAction(_ => 0); // the benchmark itself is a root action: without one, a subcommand would be required
        ParseResult result = root.Parse(args);
        return result.Errors.Count > 0 ? throw new ArgumentException(result.Errors[0].Message) : read(result);
    }

    private static (RootCommand Root, Func<ParseResult, RunnerSettings> Read) Build()
    {
        var o = new CommandOptions();
        var root = new RootCommand("FastDraft's end-to-end benchmark: every decoding mode of FastDraft beside ONNX Runtime GenAI's on the same models, interleaved and counterbalanced, with the speed-up model's prediction; writes benchmark.md, benchmark.json and charts.");
        foreach (Option option in new Option[] { o.Quick, o.Out, o.Cache, o.Shared, o.NoShared, o.Tokens, o.Repetitions, o.K, o.GenAIThreads, o.Confidence, o.Precision, o.Target, o.Drafts, o.Prompts })
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(AdaptiveLoadCommand());
        root.Subcommands.Add(DataGenerationThroughput.Create());
        var burn = new Command("burn", "Spins the given number of threads until killed (the competing load of adaptive-load).") { Hidden = true };
        var threads = new Argument<int>("threads");
        burn.Arguments.Add(threads);
        burn.SetAction(parsed => CompetingLoad.Burn(parsed.GetValue(threads)));
        root.Subcommands.Add(burn);
        root.Validators.Add(result =>
        {
            bool target = result.GetValue(o.Target) is not null;
            if (target != ((result.GetValue(o.Drafts) ?? []).Length > 0) || target != (result.GetValue(o.Prompts) is not null))
            {
                result.AddError("--target, --draft and --prompts go together: give all three to measure your pair, or none for the fixed pairs.");
            }
        });
        return (root, parsed => Read(o, parsed));
    }

    /// <summary>
    /// <c>adaptive-load</c>: adaptive drafting against every fixed K and target-only decoding, quiet and with a
    /// competing CPU load (see <see cref="AdaptiveUnderLoad"/>); writes adaptive-load.md.
    /// </summary>
    private static Command AdaptiveLoadCommand()
    {
        string demo = Path.Combine(RepositoryRoot(), "samples", "FastDraft.Demo", "models");
        var target = new Option<string>("--target") { Description = "The target folder (default: the demo's trained target).", DefaultValueFactory = _ => Path.Combine(demo, "target") };
        var draft = new Option<string>("--draft") { Description = "The trained draft folder (default: the demo's).", DefaultValueFactory = _ => Path.Combine(demo, "draft") };
        var prompts = new Option<string>("--prompts") { Description = "A JSONL prompts file (default: benchmarks/prompts/demo-heldout.jsonl).", DefaultValueFactory = _ => Path.Combine(RepositoryRoot(), "benchmarks", "prompts", "demo-heldout.jsonl") };
        var tokens = new Option<int>("--tokens") { Description = "New tokens per prompt (default 64).", DefaultValueFactory = _ => 64 };
        var repetitions = new Option<int>("--repetitions") { Description = "Repetitions per condition, alternating quiet and loaded (default 4).", DefaultValueFactory = _ => 4 };
        var load = new Option<int>("--load-threads") { Description = "Threads the competing process spins (default: one per logical core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string>("--out") { Description = "Where adaptive-load.md goes (default benchmarks/results).", DefaultValueFactory = _ => Path.Combine("benchmarks", "results") };
        var command = new Command("adaptive-load", "Adaptive drafting against every fixed K and target-only decoding, on a quiet machine and with another process spinning on every core; a random-weight draft checks the fall-back to target-only speed.")
        {
            target, draft, prompts, tokens, repetitions, load, output,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            int Positive(Option<int> option) => parsed.GetValue(option) is int v and > 0 ? v : throw new ArgumentException($"{option.Name} must be at least 1.");
            var settings = new AdaptiveLoadSettings(
                parsed.GetValue(target)!, parsed.GetValue(draft)!, parsed.GetValue(prompts)!, Positive(tokens), Positive(repetitions), Positive(load), parsed.GetValue(output)!, RunnerSettings.DefaultCache());
            List<AdaptiveLoadResult> results = AdaptiveUnderLoad.Run(settings, Console.Error, cancellationToken);
            string markdown = AdaptiveUnderLoad.Markdown(settings, results);
            Directory.CreateDirectory(settings.Output);
            File.WriteAllText(Path.Combine(settings.Output, "adaptive-load.md"), markdown);
            parsed.InvocationConfiguration.Output.WriteLine(markdown);
            return Task.FromResult(0);
        });
        return command;
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FastDraft.sln")))
            {
                return dir.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }

    private static RunnerSettings Read(CommandOptions o, ParseResult parsed)
    {
        var settings = new RunnerSettings { SharedModels = RunnerSettings.FindSharedModels() };
        if (parsed.GetValue(o.Quick))
        {
            // A quick run's figures are a smoke test: they go to a scratch folder, never over the committed results the README shows.
            settings = settings with { Quick = true, Tokens = 12, Repetitions = 1, DraftTokenSweep = [1, 2], Output = RunnerSettings.QuickOutput(RepositoryRoot()) };
        }

        int Positive(int value, string name, int least = 1) => value >= least ? value : throw new ArgumentException($"{name} must be at least {least}; got {value}.");
        return settings with
        {
            Output = parsed.GetValue(o.Out) ?? settings.Output,
            Cache = parsed.GetValue(o.Cache) ?? settings.Cache,
            SharedModels = parsed.GetValue(o.NoShared) ? null : parsed.GetValue(o.Shared) ?? settings.SharedModels,
            Tokens = parsed.GetValue(o.Tokens) is int tokens ? Positive(tokens, "--tokens", 2) : settings.Tokens,
            Repetitions = parsed.GetValue(o.Repetitions) is int repetitions ? Positive(repetitions, "--repetitions") : settings.Repetitions,
            DraftTokens = parsed.GetValue(o.K) is int k ? (k is >= 1 and <= SpeculativeOptions.MaxDraftTokens ? k : throw new ArgumentException($"--k must be between 1 and {SpeculativeOptions.MaxDraftTokens}; got {k}.")) : settings.DraftTokens,
            GenAIThreads = parsed.GetValue(o.GenAIThreads) is int threads ? Positive(threads, "--genai-threads") : settings.GenAIThreads,
            ConfidenceThresholds = parsed.GetValue(o.Confidence) is string text ? Thresholds(text) : settings.ConfidenceThresholds,
            SyntheticPrecisions = parsed.GetValue(o.Precision) is string precisions ? Precisions(precisions) : settings.SyntheticPrecisions,
            Target = parsed.GetValue(o.Target),
            Drafts = parsed.GetValue(o.Drafts) ?? [],
            Prompts = parsed.GetValue(o.Prompts),
        };
    }

    private static float[] Thresholds(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v =>
            float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float t) && t is >= 0 and <= 1 ? t : throw new ArgumentException($"--confidence takes thresholds in [0, 1] separated by commas; got '{text}'."))];

    private static ModelPrecision[] Precisions(string text)
    {
        ModelPrecision[] precisions = [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => v.ToUpperInvariant() switch
        {
            "FP32" => ModelPrecision.Fp32,
            "INT4" => ModelPrecision.Int4,
            "FP16" => ModelPrecision.Fp16,
            _ => throw new ArgumentException($"--precision takes fp32, int4 and fp16 separated by commas; got '{text}'."),
        }).Distinct()];
        return precisions.Length > 0 ? precisions : throw new ArgumentException("--precision needs at least one of fp32, int4, fp16.");
    }

    /// <summary>The options, created once per command (an option belongs to the command it is added to).</summary>
    private sealed class CommandOptions
    {
        public readonly Option<bool> Quick = new("--quick") { Description = "A tiny synthetic pair, 12 tokens, 1 repetition, K sweep 1 and 2 (explicit options still apply); skips the shared codepair; writes to artifacts/quick unless --out is given." };
        public readonly Option<string?> Out = new("--out") { Description = "Where benchmark.md, benchmark.json and the charts go (default benchmarks/results; with --quick, artifacts/quick)." };
        public readonly Option<string?> Cache = new("--cache") { Description = "Where the written synthetic models and GenAI's composite configurations are kept (default $FASTDRAFT_CACHE/bench-v1 or the local application data folder)." };
        public readonly Option<string?> Shared = new("--shared") { Description = "The shared models folder holding codepair-dev (default ../shared/models beside the repository)." };
        public readonly Option<bool> NoShared = new("--no-shared") { Description = "Skip the shared codepair." };
        public readonly Option<int?> Tokens = new("--tokens") { Description = "New tokens per prompt (default 64)." };
        public readonly Option<int?> Repetitions = new("--repetitions") { Description = "Interleaved repetitions (default 6)." };
        public readonly Option<int?> K = new("--k") { Description = "Default K (drafted tokens per round; default 4)." };
        public readonly Option<int?> GenAIThreads = new("--genai-threads") { Description = "Intra-op threads for ORT GenAI's sessions (default: the processors available, as FastDraft's pool)." };
        public readonly Option<string?> Confidence = new("--confidence") { Description = "Draft-confidence thresholds to measure in adaptive mode, comma-separated (default 0.3)." };
        public readonly Option<string?> Precision = new("--precision") { Description = "Precisions of the synthetic target, comma-separated: fp32 (every draft, K sweep), int4 (MatMulNBits, block 32) and fp16 (the aligned draft at the same precision, default K); default fp32,int4." };
        public readonly Option<string?> Target = new("--target") { Description = "Your target folder: measure this pair (with --draft and --prompts) instead of the fixed pairs." };
        public readonly Option<string[]> Drafts = new("--draft") { Description = "A draft folder for --target (repeat for several; the first is swept over K).", AllowMultipleArgumentsPerToken = false };
        public readonly Option<string?> Prompts = new("--prompts") { Description = "A JSONL prompts file for --target: \"prompt\" (text) or \"ids\" per line, as fastdraft eval reads it." };
    }
}
