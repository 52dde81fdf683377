using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastDraft.Evaluation;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Text;

namespace FastDraft.Runner;

/// <summary>Settings of the adaptive-drafting experiment.</summary>
public sealed record AdaptiveLoadSettings(string Target, string Draft, string Prompts, int Tokens, int Repetitions, int LoadThreads, string Output, string Cache);

/// <summary>One mode's decode rate under one condition: the median over repetitions of tokens per second.</summary>
public sealed record AdaptiveLoadResult(string Condition, string Draft, string Mode, double TokensPerSecond, double Min, double Max);

/// <summary>
/// Adaptive drafting against every fixed K and against target-only decoding, on a quiet machine and
/// with another process spinning on every core: the conditions alternate repetition by repetition, and
/// within each the modes run interleaved and counterbalanced (the shared <see cref="InterleavedSchedule"/>).
/// A useless draft (random weights, the target's vocabulary, a small fixed shape: 2 layers of width 128, as the demo draft) checks that adaptive
/// drafting falls back to target-only speed.
/// </summary>
public static class AdaptiveUnderLoad
{
    private static readonly int[] FixedK = [1, 2, 3, 4, 6, 8];

    public static List<AdaptiveLoadResult> Run(AdaptiveLoadSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        using var target = OnnxCausalLM.Load(settings.Target);
        using var draft = OnnxCausalLM.Load(settings.Draft);
        using var useless = OnnxCausalLM.Load(UselessDraft(settings, draft.Info, target.Info.VocabularySize, log));
        int[][] prompts = [.. PromptFile.Read(settings.Prompts, () => ModelTokenizer.Load(settings.Target))];

        var modes = new List<(string Draft, IMeasuredMode Mode)> { ("trained", new GeneratorMode("target-only", new SpeculativeGenerator(target))) };
        modes.AddRange(FixedK.Select(k => ("trained", (IMeasuredMode)new GeneratorMode($"K={k}", new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = k, AdaptiveDraftTokens = false })))));
        modes.Add(("trained", new GeneratorMode("adaptive", new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 8 }))));
        modes.Add(("useless", new GeneratorMode("useless K=4", new SpeculativeGenerator(target, useless, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false }))));
        modes.Add(("useless", new GeneratorMode("useless adaptive", new SpeculativeGenerator(target, useless, new SpeculativeOptions { DraftTokens = 8 }))));
        IMeasuredMode[] all = [.. modes.Select(m => m.Mode)];

        var rates = new Dictionary<(string Condition, IMeasuredMode Mode), List<double>>();
        for (int repetition = 0; repetition < settings.Repetitions; repetition++)
        {
            string[] conditions = repetition % 2 == 0 ? ["quiet", "loaded"] : ["loaded", "quiet"];
            foreach (string condition in conditions)
            {
                using CompetingLoad? load = condition == "loaded" ? CompetingLoad.Start(settings.LoadThreads) : null;
                var clock = Stopwatch.StartNew();
                MeasurementSet samples = InterleavedSchedule.Run(all, prompts, new ScheduleOptions { MaxNewTokens = settings.Tokens, Repetitions = 1, Seed = repetition + 1 }, cancellationToken: cancellationToken);
                foreach (IMeasuredMode mode in all)
                {
                    IReadOnlyList<GenerationSample> run = samples.For(mode)[0];
                    double rate = Throughput.DecodeRate(run);
                    (rates.TryGetValue((condition, mode), out List<double>? list) ? list : rates[(condition, mode)] = []).Add(rate);
                }

                log.WriteLine($"repetition {repetition + 1}/{settings.Repetitions}, {condition}: {clock.Elapsed.TotalSeconds:F0} s");
            }
        }

        return [.. rates.Select(r => new AdaptiveLoadResult(
            r.Key.Condition, modes.First(m => m.Mode == r.Key.Mode).Draft, r.Key.Mode.Name, Summary.Median(r.Value), r.Value.Min(), r.Value.Max()))];
    }

    /// <summary>The report: per condition, each mode's rate, the best fixed K, and the two ratios the adaptive mode must keep.</summary>
    public static string Markdown(AdaptiveLoadSettings settings, IReadOnlyList<AdaptiveLoadResult> results)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Adaptive drafting on a quiet and a busy machine").AppendLine();
        md.AppendLine(c, $"Target `{settings.Target}`, draft `{settings.Draft}`, prompts `{settings.Prompts}`, {settings.Tokens} new tokens, {settings.Repetitions} repetitions; ");
        md.AppendLine(c, $"\"loaded\": another process spins {settings.LoadThreads} threads (one per logical core) while the modes run. Decode tokens/s, median over repetitions (min–max).").AppendLine();
        md.AppendLine("| condition | draft | mode | tokens/s | range |").AppendLine("|---|---|---|---:|---|");
        foreach (AdaptiveLoadResult r in results)
        {
            md.AppendLine(c, $"| {r.Condition} | {r.Draft} | {r.Mode} | {r.TokensPerSecond:F0} | {r.Min:F0}–{r.Max:F0} |");
        }

        md.AppendLine().AppendLine("| condition | best fixed K | adaptive ÷ best fixed K | useless draft: adaptive ÷ target-only | useless draft: K=4 ÷ target-only |").AppendLine("|---|---|---:|---:|---:|");
        foreach (IGrouping<string, AdaptiveLoadResult> condition in results.GroupBy(r => r.Condition))
        {
            AdaptiveLoadResult best = condition.Where(r => r.Draft == "trained" && r.Mode.StartsWith("K=", StringComparison.Ordinal)).MaxBy(r => r.TokensPerSecond)!;
            double Rate(string mode) => condition.First(r => r.Mode == mode).TokensPerSecond;
            md.AppendLine(c, $"| {condition.Key} | {best.Mode} ({best.TokensPerSecond:F0} tok/s) | {Rate("adaptive") / best.TokensPerSecond:F3} | {Rate("useless adaptive") / Rate("target-only"):F3} | {Rate("useless K=4") / Rate("target-only"):F3} |");
        }

        return md.ToString();
    }

    /// <summary>A draft with random weights, the target's vocabulary and a small fixed shape (2 layers of width 128, as the demo draft): what a useless draft costs.</summary>
    private static string UselessDraft(AdaptiveLoadSettings settings, ModelInfo draft, int vocabulary, TextWriter log)
    {
        string folder = Path.Combine(settings.Cache, $"useless-draft-v{vocabulary}");
        if (!Directory.Exists(folder))
        {
            log.WriteLine($"writing a random-weight draft to {folder}");
            var spec = new DecoderSpec { VocabularySize = vocabulary, HiddenSize = 128, Layers = 2, Heads = 8, KeyValueHeads = 4, IntermediateSize = 384, ContextLength = Math.Max(draft.ContextLength, 512), Seed = 12345 };
            LlamaModelWriter.Write(spec, folder + ".partial");
            Directory.Move(folder + ".partial", folder);
        }

        return folder;
    }
}

/// <summary>
/// Other processes spinning until disposed: the competing CPU load. On Unix, one shell busy loop per
/// thread; elsewhere, the runner itself with its hidden <c>burn</c> command.
/// </summary>
public sealed class CompetingLoad : IDisposable
{
    private readonly List<Process> _processes;

    private CompetingLoad(List<Process> processes) => _processes = processes;

    public static CompetingLoad Start(int threads)
    {
        var processes = new List<Process>();
        if (!OperatingSystem.IsWindows())
        {
            for (int i = 0; i < threads; i++)
            {
                // Under coreutils' timeout where there is one, so a spinner outlives a crashed runner by an hour at most.
                bool bounded = File.Exists("/usr/bin/timeout");
                var start = new ProcessStartInfo(bounded ? "/usr/bin/timeout" : "/bin/sh") { UseShellExecute = false };
                if (bounded)
                {
                    start.ArgumentList.Add("3600");
                    start.ArgumentList.Add("/bin/sh");
                }

                start.ArgumentList.Add("-c");
                start.ArgumentList.Add("while :; do :; done");
                processes.Add(Process.Start(start) ?? throw new InvalidOperationException("Could not start the competing load."));
            }
        }
        else
        {
            string host = Environment.ProcessPath!;
            var start = new ProcessStartInfo(host) { UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            {
                start.ArgumentList.Add(typeof(CompetingLoad).Assembly.Location);
            }

            start.ArgumentList.Add("burn");
            start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
            processes.Add(Process.Start(start) ?? throw new InvalidOperationException("Could not start the competing load."));
        }

        Thread.Sleep(200); // the spinners are running before the measurement starts
        return new CompetingLoad(processes);
    }

    /// <summary>The 'burn' command: spins until killed (or for an hour at most, so an orphan ends).</summary>
    public static int Burn(int threads)
    {
        var until = DateTime.UtcNow.AddHours(1);
        for (int i = 0; i < threads; i++)
        {
            var spinner = new Thread(() =>
            {
                double x = 1;
                while (DateTime.UtcNow < until)
                {
                    for (int j = 0; j < 1_000_000; j++)
                    {
                        x = (x * 1.0000001) + 1e-9;
                    }
                }

                GC.KeepAlive(x);
            });
            spinner.IsBackground = true;
            spinner.Start();
        }

        Thread.Sleep(TimeSpan.FromHours(1));
        return 0;
    }

    public void Dispose()
    {
        foreach (Process process in _processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            process.Dispose();
        }
    }
}
