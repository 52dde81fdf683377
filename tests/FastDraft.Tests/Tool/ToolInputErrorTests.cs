using FastDraft.Tests.Infrastructure;
using FastDraft.Tool;

namespace FastDraft.Tests.Tool;

/// <summary>Malformed inputs and option values end with one error line and a documented exit code, never a stack trace, and before anything is loaded.</summary>
public sealed class ToolInputErrorTests
{
    private const string NoTarget = "/nonexistent/fastdraft-target";

    public static TheoryData<string, string> BadPrompts => new()
    {
        { "both", "{\"prompt\": \"def f\", \"ids\": [1, 2]}" },
        { "string ids", "{\"ids\": [\"1\", \"2\"]}" },
        { "fractional id", "{\"ids\": [1.5]}" },
        { "not JSON", "def f(x):" },
        { "neither", "{\"text\": \"def f\"}" },
        { "long line", "{\"prompt\": \"" + new string('a', 2 << 20) + "\"}" },
    };

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["pretrain", "--threads", "0"], "--threads" },
        { ["pretrain", "--threads", "-3"], "--threads" },
        { ["train-model", "--threads", "0"], "--threads" },
        { ["pretrain", "--sequence-length", "1"], "--sequence-length" },
        { ["pretrain", "--hidden", "2147483647"], "--hidden" },
        { ["pretrain", "--heads", "3"], "--heads" },
        { ["pretrain", "--heads", "4", "--kv-heads", "3"], "--kv-heads" },
        { ["pretrain", "--layers", "0"], "--layers" },
        { ["pretrain", "--top-k", "-1"], "--top-k" },
    };

    private static async Task<(int Exit, string Stderr)> RunOnCorpusAsync(string corpus)
    {
        (int exit, _, string stderr) = await ToolRuns.RunAsync(["pretrain", "--target", TestModels.TextModel, "--corpus", corpus, "--work", Path.Combine(TestModels.Scratch("work"), "w"), "--minutes", "0.02", .. ToolRuns.TinyShape]);
        return (exit, stderr);
    }

    [Fact]
    public async Task Pretrain_ListNamesAMissingFile_OneErrorLineExitTwo()
    {
        string folder = TestModels.Scratch("list");
        File.WriteAllLines(Path.Combine(folder, "list.txt"), [.. Directory.EnumerateFiles(ToolRuns.Corpus), Path.Combine(folder, "missing.py")]);

        (int exit, string stderr) = await RunOnCorpusAsync(Path.Combine(folder, "list.txt"));

        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Contains("missing.py", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pretrain_ListNamesOnlyMissingFiles_OneErrorLineExitTwo()
    {
        string folder = TestModels.Scratch("list");
        File.WriteAllLines(Path.Combine(folder, "list.txt"), ["gone1.py", "gone2.py", "gone3.py"]);

        (int exit, string stderr) = await RunOnCorpusAsync(Path.Combine(folder, "list.txt"));

        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
    }

    [Fact]
    public async Task Pretrain_BinaryFileAsTheList_OneErrorLineExitTwo()
    {
        string folder = TestModels.Scratch("list");
        byte[] bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        bytes[100] = 0;
        bytes[200] = (byte)'\n';
        File.WriteAllBytes(Path.Combine(folder, "list.bin"), bytes);

        (int exit, string stderr) = await RunOnCorpusAsync(Path.Combine(folder, "list.bin"));

        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
    }

    [Theory]
    [MemberData(nameof(BadPrompts))]
    public async Task Acceptance_MalformedPromptLine_NamesFileAndLine(string what, string line)
    {
        _ = what;
        string prompts = Path.Combine(TestModels.Scratch("prompts"), "prompts.jsonl");
        File.WriteAllLines(prompts, ["{\"ids\": [5, 6, 7]}", line]);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["acceptance", "--target", TestModels.TextModel, "--draft", TestModels.TextModel, "--prompts", prompts]);

        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Contains("prompts.jsonl' line 2", stderr, StringComparison.Ordinal);
        Assert.True(stderr.Length < 1000, "the message quotes no runaway line");
    }

    [Fact]
    public async Task Eval_StringIds_NamesFileAndLine()
    {
        string prompts = Path.Combine(TestModels.Scratch("prompts"), "prompts.jsonl");
        File.WriteAllText(prompts, "{\"ids\": [\"1\"]}\n");

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["eval", "--target", TestModels.TextModel, "--draft", TestModels.TextModel, "--prompts", prompts, "--out", TestModels.Scratch("eval")]);

        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Contains("line 1", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Command_OptionOutOfRange_RefusedNamingTheOptionBeforeLoading(string[] args, string option)
    {
        // The target does not exist: a message about the option shows it was checked before anything was loaded.
        string[] common = args[0] == "train-model"
            ? ["--corpus", ToolRuns.Corpus, "--out", Path.Combine(TestModels.Scratch("model"), "m"), "--tokenizer", NoTarget]
            : ["--target", NoTarget, "--corpus", ToolRuns.Corpus, "--work", Path.Combine(TestModels.Scratch("work"), "w"), .. ToolRuns.Shape(args[1..])];

        (int exit, _, string stderr) = await ToolRuns.RunAsync(args[0] == "train-model" ? [.. args, .. common] : [args[0], .. common]);

        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_NothingFinished_ExitsTwoSayingSo()
    {
        string work = Path.Combine(TestModels.Scratch("work"), "empty");

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["export", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, .. ToolRuns.TinyShape]);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("Nothing to export", stderr, StringComparison.Ordinal);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.False(Directory.Exists(Path.Combine(work, "aligned")));
    }

    [Fact]
    public void Unwrap_NestedSingleAggregates_ReturnsTheFailureInside()
    {
        var inner = new FileNotFoundException("Could not find file 'a.py'.");

        Exception unwrapped = ToolApp.Unwrap(new AggregateException(new AggregateException(inner)));

        Assert.Same(inner, unwrapped);
    }

    [Fact]
    public void Unwrap_SeveralFailuresOfOneKind_ReturnsTheFirst()
    {
        var first = new FileNotFoundException("a.py");

        Exception unwrapped = ToolApp.Unwrap(new AggregateException(first, new FileNotFoundException("b.py")));

        Assert.Same(first, unwrapped);
    }
}
