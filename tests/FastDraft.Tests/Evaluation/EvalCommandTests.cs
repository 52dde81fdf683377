using System.Text.Json;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tool;

namespace FastDraft.Tests.Evaluation;

/// <summary><c>fastdraft eval</c> end to end on a tiny written pair, and its argument errors.</summary>
public sealed class EvalCommandTests
{
    private static string PromptsFile(params string[] lines)
    {
        string path = Path.Combine(TestModels.Scratch("eval-prompts"), "prompts.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task Eval_TinyPairOneRepetition_WritesMarkdownJsonAndChartsWithTheFixedFields()
    {
        string draft = TestModels.Perturbed("text-model-perturbed", TestModels.TextModel, 0.02f);
        string prompts = PromptsFile("{\"prompt\": \"the cat sat on the mat and the dog ran to\"}", "{\"ids\": [5, 70, 80, 90, 33, 40, 41, 42]}");
        string output = Path.Combine(TestModels.Scratch("eval"), "report");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args =
        [
            "eval", "--target", TestModels.TextModel, "--draft", draft, "--ngram", "2", "--prompts", prompts,
            "--max-new-tokens", "8", "--repetitions", "1", "--k-sweep", "1,2", "--draft-tokens", "2", "--price-per-hour", "0.05", "--out", output, "--json",
        ];

        int exit = await ToolApp.RunAsync(args, stdout, stderr);

        Assert.True(exit == 0, stderr.ToString());
        foreach (string written in EvalCommandFiles.All)
        {
            Assert.True(File.Exists(Path.Combine(output, written)), $"{written} missing");
        }

        foreach (string chart in EvalCommandFiles.All.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            byte[] png = File.ReadAllBytes(Path.Combine(output, chart));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }

        string markdown = File.ReadAllText(Path.Combine(output, "eval.md"));
        Assert.Contains("## Quality gate: passed", markdown, StringComparison.Ordinal);
        Assert.Contains("| draft K=2 |", markdown, StringComparison.Ordinal);
        Assert.Contains("## K sweep", markdown, StringComparison.Ordinal);

        using JsonDocument last = JsonDocument.Parse(stdout.ToString()); // with --json, stdout is the document alone
        using JsonDocument file = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "eval.json")));
        foreach (JsonElement root in new[] { last.RootElement, file.RootElement })
        {
            Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
            Assert.True(root.GetProperty("quality_gate_passed").GetBoolean());
            JsonElement modes = root.GetProperty("modes");
            Assert.Equal(
                ["combined_adaptive", "combined_k1", "combined_k2", "draft_adaptive", "draft_k1", "draft_k2", "ngram_2_adaptive", "ngram_2_k1", "ngram_2_k2", "target_only"],
                modes.EnumerateObject().Select(m => m.Name).Order(StringComparer.Ordinal));
            Assert.Equal("draft K=2", modes.GetProperty("draft_k2").GetProperty("label").GetString());
            foreach (JsonProperty mode in modes.EnumerateObject())
            {
                Assert.Equal(mode.Name, mode.Value.GetProperty("mode").GetString());
                Assert.InRange(mode.Value.GetProperty("alpha").GetDouble(), 0, 1);
                Assert.True(mode.Value.GetProperty("tokens_per_second").GetDouble() > 0, mode.Name);
                double p10 = mode.Value.GetProperty("speedup_p10").GetDouble(), median = mode.Value.GetProperty("speedup_median").GetDouble(), p90 = mode.Value.GetProperty("speedup_p90").GetDouble();
                Assert.True(p10 > 0 && p10 <= median && median <= p90, $"{mode.Name}: {p10} {median} {p90}");
                Assert.True(mode.Value.GetProperty("cost_per_million_tokens").GetDouble() > 0, mode.Name);
            }

            Assert.Equal(1.0, modes.GetProperty("target_only").GetProperty("speedup_median").GetDouble());
            Assert.True(modes.TryGetProperty(root.GetProperty("recommendation").GetProperty("mode").GetString()!, out _));
            Assert.Equal(6, root.GetProperty("k_sweep").GetArrayLength()); // three proposers (draft, n-gram, combined) × K = 1, 2
            Assert.False(string.IsNullOrEmpty(root.GetProperty("recommendation").GetProperty("reason").GetString()));
            Assert.Contains(root.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("One repetition", StringComparison.Ordinal));
            JsonElement machine = root.GetProperty("machine");
            Assert.Equal(Environment.ProcessorCount, machine.GetProperty("cpus").GetInt32());
            Assert.Equal(File.Exists("/proc/loadavg") ? JsonValueKind.Object : JsonValueKind.Null, machine.GetProperty("load_average_start").ValueKind);
        }

        Assert.Contains("## Warnings", markdown, StringComparison.Ordinal);
        Assert.Contains("Warning: One repetition", stderr.ToString(), StringComparison.Ordinal); // the summary goes to stderr with --json
    }

    [Fact]
    public async Task Eval_Help_DescribesTheFixedOptions()
    {
        var stdout = new StringWriter();

        int exit = await ToolApp.RunAsync(["eval", "--help"], stdout, new StringWriter());

        Assert.Equal(0, exit);
        foreach (string option in new[] { "--target", "--draft", "--ngram", "--prompts", "--max-new-tokens", "--repetitions", "--json", "--price-per-hour" })
        {
            Assert.Contains(option, stdout.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("no proposer", "--prompts", "p.jsonl")]
    [InlineData("--repetitions", "--ngram", "2", "--prompts", "p.jsonl", "--repetitions", "0")]
    [InlineData("--max-new-tokens", "--ngram", "2", "--prompts", "p.jsonl", "--max-new-tokens", "1")]
    [InlineData("--k-sweep", "--ngram", "2", "--prompts", "p.jsonl", "--k-sweep", "2,x")]
    [InlineData("--ngram", "--ngram", "0", "--prompts", "p.jsonl")]
    [InlineData("--price-per-hour", "--ngram", "2", "--prompts", "p.jsonl", "--price-per-hour", "-1")]
    public async Task Eval_BadArgument_ExitsTwoWithOneLineNamingIt(string named, params string[] rest)
    {
        var stderr = new StringWriter();
        string[] args = ["eval", "--target", TestModels.GqaTarget, .. rest];

        int exit = await ToolApp.RunAsync(args, new StringWriter(), stderr);

        Assert.Equal(ToolApp.UsageError, exit);
        string[] lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(named == "no proposer" ? "--draft DIR or --ngram N" : named, lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_PromptsLineNotJson_ExitsTwoNamingTheLine()
    {
        var stderr = new StringWriter();
        string prompts = PromptsFile("{\"ids\": [1, 2, 3]}", "not json");

        int exit = await ToolApp.RunAsync(["eval", "--target", TestModels.GqaTarget, "--ngram", "2", "--prompts", prompts], new StringWriter(), stderr);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("line 2", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_Cancelled_ExitsWith130()
    {
        string prompts = PromptsFile("{\"ids\": [5, 70, 80, 90, 33, 40, 41, 42]}");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var stderr = new StringWriter();

        int exit = await ToolApp.RunAsync(["eval", "--target", TestModels.GqaTarget, "--ngram", "2", "--prompts", prompts, "--out", TestModels.Scratch("eval-cancelled")], new StringWriter(), stderr, cancellation.Token);

        Assert.Equal(ToolApp.Cancelled, exit);
        Assert.Contains("stopped", stderr.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>The files <c>fastdraft eval</c> writes (the tool's own list, so that a new chart is checked too).</summary>
internal static class EvalCommandFiles
{
    public static IReadOnlyList<string> All => EvalCommand.Files;
}
