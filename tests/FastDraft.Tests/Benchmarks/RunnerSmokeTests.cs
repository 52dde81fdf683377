using System.Text.Json;
using FastDraft.Runner;

namespace FastDraft.Tests.Benchmarks;

/// <summary>
/// The end-to-end benchmark runner on a tiny written pair for one repetition: every system and mode
/// runs and the table, JSON and charts are written. Speed is not asserted (CI machines are noisy);
/// the full runner is run by hand (see README, "Performance").
/// </summary>
public sealed class RunnerSmokeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fastdraft-runner-").FullName;

    [Fact]
    public void QuickRun_WritesTableJsonAndCharts_ForEverySystemAndMode()
    {
        RunnerSettings settings = RunnerSettings.Parse(["--quick", "--no-shared", "--out", Path.Combine(_root, "out"), "--cache", Path.Combine(_root, "cache")]);

        (List<ModeResult> results, List<Calibration> calibrations) = BenchmarkRun.Run(settings, TextWriter.Null);
        Report.Write(settings, results, calibrations, TimeSpan.FromSeconds(1), TextWriter.Null);

        Assert.Equal(
            [
                "FastDraft adaptive", "FastDraft adaptive, combined with n-gram", "FastDraft adaptive, confidence ≥ 0.3", "FastDraft n-gram", "FastDraft speculative", "FastDraft target-only",
                "ORT GenAI adaptive", "ORT GenAI adaptive, chained", "ORT GenAI adaptive, cooldown", "ORT GenAI n-gram", "ORT GenAI n-gram, chained",
                "ORT GenAI n-gram, cooldown", "ORT GenAI speculative", "ORT GenAI speculative, cooldown", "ORT GenAI target-only",
            ],
            results.Where(r => r.System is "FastDraft" or GenAIMode.PeerSystem).Select(r => $"{r.System} {r.Mode}").Distinct().Order(StringComparer.Ordinal));

        // Every GenAI mode at its default threads too, and ours at one and two threads per session.
        Assert.Equal(
            results.Where(r => r.System == GenAIMode.PeerSystem).Select(r => (r.Target, r.Mode, r.Draft, r.DraftTokens)).Order(),
            results.Where(r => r.System == GenAIMode.DefaultThreadsSystem).Select(r => (r.Target, r.Mode, r.Draft, r.DraftTokens)).Order());
        foreach (string system in new[] { "FastDraft, 1 thread per session", "FastDraft, 2 threads per session" })
        {
            Assert.Equal(["adaptive", "n-gram", "speculative", "target-only"], results.Where(r => r.System == system).Select(r => r.Mode).Distinct().Order(StringComparer.Ordinal));
        }

        Assert.All(results.Where(r => r.System == "FastDraft, 1 thread per session"), r => Assert.Matches(@"^1(\+1)?$", r.Threads));
        Assert.All(results, r => Assert.True(r.DecodeTokensPerSecond > 0, $"{r.System} {r.Mode} {r.Draft}"));
        Assert.All(results.Where(r => r.System == "FastDraft"), r =>
        {
            Assert.NotNull(r.RatioToGenAI);
            Assert.InRange(r.OverheadFraction!.Value, 0, 1);
            // The issue's bound; AllocationTests pin the exact zero over 300 tokens, where a one-off
            // allocation in a 12-token run (the runtime trimming a pooled array) cannot pass for a per-token one.
            Assert.InRange(r.BytesPerToken!.Value, 0, 64);
        });

        // The aligned draft is the target's own first layers: it must be accepted most of the time, and
        // speculative decoding must take fewer target calls per token than target-only decoding.
        ModeResult aligned = results.First(r => r.System == "FastDraft" && r.Mode == "speculative" && r.Draft == "aligned-2-layer" && r.DraftTokens == settings.DraftTokens);
        Assert.InRange(aligned.AcceptanceRate, 0.5, 1);
        Assert.True(aligned.TargetCallsPerToken < 0.8, $"{aligned.TargetCallsPerToken} target calls per token");
        Assert.NotNull(aligned.Realization);

        // The int4 sibling (MatMulNBits) runs beside the float32 target, ours and GenAI's on the same folder, and stays aligned.
        ModelResultsFor("synthetic-tiny-int4", results);
        ModeResult int4 = results.First(r => r.Target == "synthetic-tiny-int4" && r.System == "FastDraft" && r.Mode == "speculative");
        Assert.InRange(int4.AcceptanceRate, 0.5, 1);

        string output = settings.Output;
        string markdown = File.ReadAllText(Path.Combine(output, "benchmark.md"));
        Assert.Contains("| FastDraft | speculative | aligned-2-layer |", markdown, StringComparison.Ordinal);
        Assert.Contains("| best against best | FastDraft's best mode |", markdown, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "benchmark.json")));
        Assert.Equal(results.Count, json.RootElement.GetProperty("results").GetArrayLength());
        foreach (string chart in new[] { "throughput.png", "speedup-vs-k.png" })
        {
            byte[] png = File.ReadAllBytes(Path.Combine(output, chart));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.True(png.Length > 5_000, $"{chart} is only {png.Length} bytes");
        }
    }

    private static void ModelResultsFor(string target, List<ModeResult> results)
    {
        foreach (string row in new[] { "FastDraft target-only", "ORT GenAI target-only", "FastDraft speculative", "ORT GenAI speculative" })
        {
            Assert.Contains(results, r => r.Target == target && $"{r.System} {r.Mode}" == row);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
