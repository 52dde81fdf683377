using FastDraft.ModelWriter;
using FastDraft.Runner;

namespace FastDraft.Tests.Benchmarks;

/// <summary>The benchmark runner's command line (System.CommandLine): help, errors, the options it always had.</summary>
public sealed class RunnerCommandTests
{
    [Fact]
    public async Task Help_Runner_ListsEveryOptionAndExitsZero()
    {
        var stdout = new StringWriter();

        int exit = await RunnerCommand.RunAsync(["--help"], stdout, new StringWriter());

        Assert.Equal(0, exit);
        foreach (string option in new[] { "--quick", "--out", "--cache", "--shared", "--no-shared", "--tokens", "--repetitions", "--k", "--genai-threads", "--confidence", "--precision", "--target", "--draft", "--prompts" })
        {
            Assert.Contains(option, stdout.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_AdaptiveLoad_ListsItsOptionsAndExitsZero()
    {
        var stdout = new StringWriter();

        int exit = await RunnerCommand.RunAsync(["adaptive-load", "--help"], stdout, new StringWriter());

        Assert.Equal(0, exit);
        foreach (string option in new[] { "--target", "--draft", "--prompts", "--tokens", "--repetitions", "--load-threads", "--out" })
        {
            Assert.Contains(option, stdout.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("burn", stdout.ToString(), StringComparison.Ordinal); // the load's own command stays hidden
    }

    [Fact]
    public async Task AdaptiveLoad_QuickRunOnTheDemoPair_WritesTheReportWithBothConditions()
    {
        string output = Directory.CreateTempSubdirectory("fastdraft-adaptive-load-").FullName;
        var stdout = new StringWriter();

        int exit = await RunnerCommand.RunAsync(["adaptive-load", "--tokens", "4", "--repetitions", "1", "--load-threads", "1", "--out", output], stdout, new StringWriter(), TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        string report = File.ReadAllText(Path.Combine(output, "adaptive-load.md"));
        foreach (string row in new[] { "| quiet | trained | target-only |", "| loaded | trained | adaptive |", "| loaded | useless | useless adaptive |", "adaptive ÷ best fixed K" })
        {
            Assert.Contains(row, report, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--tokens", "many")]
    [InlineData("--target", "t")]
    [InlineData("--precision", "int8")]
    public async Task Runner_BadArguments_ExitsTwoWithOneLine(params string[] args)
    {
        var stderr = new StringWriter();

        int exit = await RunnerCommand.RunAsync(args, new StringWriter(), stderr);

        Assert.Equal(RunnerCommand.UsageError, exit);
        Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Parse_QuickThenExplicitOptions_KeepsTheOldMeaning()
    {
        RunnerSettings settings = RunnerSettings.Parse(["--quick", "--tokens", "20", "--k", "3", "--confidence", "0.2,0.4", "--no-shared", "--out", "o"]);

        Assert.True(settings.Quick);
        Assert.Equal((20, 1, 3, "o"), (settings.Tokens, settings.Repetitions, settings.DraftTokens, settings.Output));
        Assert.Equal([1, 2], settings.DraftTokenSweep);
        Assert.Equal([0.2f, 0.4f], settings.ConfidenceThresholds);
        Assert.Null(settings.SharedModels);
    }

    [Fact]
    public void Parse_QuickWithoutOut_WritesToTheScratchFolderNotTheCommittedResults()
    {
        RunnerSettings quick = RunnerSettings.Parse(["--quick"]);
        RunnerSettings full = RunnerSettings.Parse([]);

        string committed = Path.GetFullPath(Path.Combine("benchmarks", "results"));
        Assert.Equal(committed, Path.GetFullPath(full.Output));
        Assert.NotEqual(committed, Path.GetFullPath(quick.Output));
        Assert.EndsWith(Path.Combine("artifacts", "quick"), quick.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Precision_ChoosesTheSyntheticTargetsPrecisions_FloatAndInt4ByDefault()
    {
        Assert.Equal([ModelPrecision.Fp32, ModelPrecision.Int4], RunnerSettings.Parse([]).SyntheticPrecisions);
        Assert.Equal([ModelPrecision.Int4], RunnerSettings.Parse(["--precision", "int4"]).SyntheticPrecisions);
        Assert.Equal([ModelPrecision.Fp32, ModelPrecision.Fp16], RunnerSettings.Parse(["--precision", "FP32, fp16,fp32"]).SyntheticPrecisions);
        Assert.Throws<ArgumentException>(() => RunnerSettings.Parse(["--precision", ","]));
    }

    [Fact]
    public void Parse_YourPair_ReadsTargetDraftsAndPrompts()
    {
        RunnerSettings settings = RunnerSettings.Parse(["--target", "t", "--draft", "d1", "--draft", "d2", "--prompts", "p.jsonl"]);

        Assert.Equal(("t", "p.jsonl"), (settings.Target, settings.Prompts));
        Assert.Equal(["d1", "d2"], settings.Drafts);
    }
}
