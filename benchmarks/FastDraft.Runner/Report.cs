using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FastDraft.Evaluation;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.Runner;

/// <summary>Writes the results: a Markdown table, a JSON file and two charts.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(RunnerSettings settings, List<ModeResult> results, List<Calibration> calibrations, TimeSpan elapsed, TextWriter log)
    {
        Directory.CreateDirectory(settings.Output);
        var machine = new Dictionary<string, object>
        {
            ["os"] = RuntimeInformation.OSDescription,
            ["cpus"] = Environment.ProcessorCount,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["onnxruntime"] = OrtEnv.Instance().GetVersionString(),
            ["onnxruntime_genai"] = typeof(Report).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "OnnxRuntimeGenAIVersion")?.Value ?? "?",
            ["genai_intra_op_threads"] = settings.GenAIThreads,
            ["fastdraft_fixed_threads"] = settings.FixedThreads,
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        };
        var json = new Dictionary<string, object>
        {
            ["machine"] = machine,
            ["settings"] = new { settings.Tokens, settings.Repetitions, settings.DraftTokens, settings.DraftTokenSweep, settings.Quick },
            ["elapsed_seconds"] = Math.Round(elapsed.TotalSeconds),
            ["best_against_best"] = results.GroupBy(r => r.Target).Select(Best).OfType<BestAgainstBest>().ToList(),
            ["results"] = results,
            ["calibrations"] = calibrations,
        };
        File.WriteAllText(Path.Combine(settings.Output, "benchmark.json"), JsonSerializer.Serialize(json, Indented));
        File.WriteAllText(Path.Combine(settings.Output, "benchmark.md"), Markdown(settings, results, calibrations, machine, elapsed));
        Charts.Write(settings, results);
        log.WriteLine($"wrote {Path.Combine(settings.Output, "benchmark.md")}, benchmark.json, throughput.png, speedup-vs-k.png");
    }

    /// <summary>The pair's fastest mode of ours against GenAI's fastest, over every mode and thread setting of each; <see langword="null"/> without both.</summary>
    public static BestAgainstBest? Best(IEnumerable<ModeResult> target)
    {
        ModeResult? ours = target.Where(r => r.System.StartsWith(OursMode.OursSystem, StringComparison.Ordinal)).MaxBy(r => r.DecodeTokensPerSecond);
        ModeResult? peer = target.Where(r => r.System.StartsWith(GenAIMode.PeerSystem, StringComparison.Ordinal)).MaxBy(r => r.DecodeTokensPerSecond);
        return ours is null || peer is null ? null : new BestAgainstBest(ours.Target, ModeName(ours), ours.DecodeTokensPerSecond, ModeName(peer), peer.DecodeTokensPerSecond, Throughput.PairedSpeedup(ours.DecodeByRepetition, peer.DecodeByRepetition));
    }

    private static string ModeName(ModeResult r) => string.Create(CultureInfo.InvariantCulture, $"{r.Mode}{(r.Draft is null ? string.Empty : $" ({r.Draft})")}{(r.DraftTokens == 0 ? string.Empty : r.Mode.StartsWith("adaptive", StringComparison.Ordinal) ? $", K ≤ {r.DraftTokens}" : $", K = {r.DraftTokens}")}; {r.System}, threads {r.Threads}");

    /// <summary>The best-against-best table of a pair, beside its per-mode rows.</summary>
    private static string BestAgainstBestTable(IEnumerable<ModeResult> target)
    {
        if (Best(target) is not BestAgainstBest best)
        {
            return string.Empty;
        }

        var md = new StringBuilder();
        md.AppendLine("| best against best | FastDraft's best mode | tok/s | ORT GenAI's best mode | tok/s | ratio |");
        md.AppendLine("|---|---|---|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| {best.Target} | {best.Ours} | **{best.OursTokensPerSecond:F1}** | {best.Peer} | **{best.PeerTokensPerSecond:F1}** | {best.Ratio:F2}× |");
        return md.ToString();
    }

    private static string Markdown(RunnerSettings settings, List<ModeResult> results, List<Calibration> calibrations, Dictionary<string, object> machine, TimeSpan elapsed)
    {
        static string F(double? value, string format) => value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine["os"]}, {machine["cpus"]} CPUs, {machine["dotnet"]}, ONNX Runtime {machine["onnxruntime"]}, ONNX Runtime GenAI {machine["onnxruntime_genai"]}; {machine["date_utc"]} UTC.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Greedy, {settings.Tokens} new tokens per prompt, {settings.Repetitions} interleaved repetitions (median [min–max] decode tokens/s, prefill excluded), K = {settings.DraftTokens} unless stated; run took {elapsed.TotalMinutes:F1} min.");
        foreach (IGrouping<string, ModeResult> target in results.GroupBy(r => r.Target))
        {
            Calibration calibration = calibrations.First(c => c.Target == target.Key);
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"### {target.Key}");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Target step {calibration.TargetStepMilliseconds:F2} ms back to back ({calibration.PassCostRatio[0]:F2}× after draft steps); v(K) = {string.Join(", ", calibration.PassCostRatio.Where(p => p.Key > 0).OrderBy(p => p.Key).Select(p => $"v({p.Key}) {p.Value:F2}"))}; c = {string.Join(", ", calibration.DraftCostRatio.Select(p => $"{p.Key} {p.Value:F3} (alone {calibration.IsolatedDraftCostRatio[p.Key]:F3})"))} at K = {settings.DraftTokens}; {calibration.SweepDraft} by K: {string.Join(", ", calibration.SweepDraftCostRatioByK.Select(p => $"c({p.Key}) {p.Value:F3}"))}.");
            md.AppendLine();
            md.Append(BestAgainstBestTable(target));
            md.AppendLine();
            md.AppendLine("| system | mode | draft | K | threads | decode tok/s | prefill ms | target calls/token | α | accepted/pass | vs GenAI | speedup | predicted | realization | overhead | B/token | KB/generation | CPU/wall |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (ModeResult r in target.OrderBy(r => r.Mode == "target-only" ? 0 : r.Draft == "n-gram" ? 1 : 2).ThenBy(r => r.Draft).ThenBy(r => r.DraftTokens).ThenBy(r => r.Mode).ThenBy(r => r.System))
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.System} | {r.Mode} | {r.Draft ?? "–"} | {(r.DraftTokens == 0 ? "–" : r.Mode.StartsWith("adaptive", StringComparison.Ordinal) ? "≤8" : r.DraftTokens.ToString(CultureInfo.InvariantCulture))} | {r.Threads} | **{r.DecodeTokensPerSecond:F1}** [{r.DecodeMin:F1}–{r.DecodeMax:F1}] | {r.PrefillMilliseconds:F1} | {r.TargetCallsPerToken:F2} | {F(r.AcceptanceRate, "P0")} | {F(r.MeanAcceptedLength, "F2")} | {F(r.RatioToGenAI, "F2")}× | {F(r.Speedup, "F2")} | {F(r.PredictedSpeedup, "F2")} | {F(r.Realization, "F2")} | {F(r.OverheadFraction, "P1")} | {F(r.BytesPerToken, "F1")} | {F(r.BytesPerGeneration / 1024, "F1")} | {F(r.CpuPerWall, "F2")} |");
            }
        }

        md.AppendLine();
        md.AppendLine("Best against best: each system's fastest mode on the pair by median decode rate, over every mode and thread setting it was measured in (ours: the automatic thread choice and the fixed counts; GenAI: FastDraft's thread count and its default); the ratio is ours ÷ GenAI's per repetition, then the median.");
        md.AppendLine("Threads: intra-op threads per session (target+draft for ours with a draft model); FastDraft's rows without a thread count in the system name are each model's automatic choice (README, \"Threads\"); GenAI's \"default (1)\" is its own default, one thread per session here.");
        md.AppendLine("vs GenAI: our decode rate ÷ ORT GenAI's in the same mode and K, with GenAI at its faster thread setting, taken per repetition then the median (adaptive rows, confidence thresholds included, against GenAI's adaptive K, min_adaptive_k 1 up to the same largest K). Speedup: ÷ our target-only rate, per repetition then the median. α: accepted ÷ judged proposals (a rejected round judges one token past the accepted ones); GenAI's is its draft_tokens_accepted ÷ draft_tokens_evaluated. Predicted: E(α,K)/(K·c + v(K)) with α measured in this run and c, v calibrated in every repetition (the figures above are their medians); realization: speedup ÷ predicted per repetition, then the median. Overhead: wall time outside the models' passes (prompt pass, proposals, verification) as the generator's statistics time them. CPU/wall: the process's CPU time ÷ wall time over the mode's generations (how many of the cores it kept busy).");
        md.AppendLine("B/token: managed bytes allocated per generated token once a generation runs (a 2N-token generation minus an N-token one); KB/generation: the rest, allocated once per generation (generator state, session bindings).");
        return md.ToString();
    }
}
