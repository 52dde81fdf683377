using FastDraft.Tool;

namespace FastDraft.Tests.Tool;

/// <summary><c>--help</c> on the <c>fastdraft</c> tool itself and on every one of its commands.</summary>
public sealed class ToolHelpTests
{
    private static readonly string[] Commands = ["train-draft", "train-model", "acceptance", "eval", "generate", "chat", "generate-data", "pretrain", "align", "control", "export", "measure"];

    public static TheoryData<string> EveryCommand => [.. Commands];

    [Fact]
    public async Task Help_OnTheTool_ListsEveryCommand()
    {
        var stdout = new StringWriter();

        int exit = await ToolApp.RunAsync(["--help"], stdout, new StringWriter());

        Assert.Equal(0, exit);
        Assert.All(Commands, command => Assert.Contains(command, stdout.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Help_OnEveryCommand_PrintsItsUsageAndExitsZero(string command)
    {
        var stdout = new StringWriter();

        int exit = await ToolApp.RunAsync([command, "--help"], stdout, new StringWriter());

        Assert.Equal(0, exit);
        Assert.Contains($"{command} [options]", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("--", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0 success; 1 the job failed at run time; 2 bad arguments or unusable inputs", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("130 cancelled", stdout.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train-draft", "--minutes --threads --batch-size --measure-prompts --control --force --restart --teacher-top-k --data-batch-size --init-embedding-from-target", "")]
    [InlineData("generate-data", "--minutes --restart --teacher-top-k --data-batch-size", "--threads --batch-size --measure-prompts --control --force")]
    [InlineData("pretrain", "--minutes --threads --batch-size --restart --init-embedding-from-target", "--measure-prompts --control --force")]
    [InlineData("align", "--minutes --threads --batch-size --control", "--measure-prompts --force --restart")]
    [InlineData("control", "--threads --batch-size", "--minutes --measure-prompts --force --restart")]
    [InlineData("export", "--force --layers --teacher-top-k", "--minutes --threads --batch-size --measure-prompts --control --restart")]
    [InlineData("measure", "--force --measure-prompts", "--minutes --threads --batch-size --control --restart")]
    public async Task Help_OnAStep_ListsOnlyTheOptionsItUses(string command, string listed, string left)
    {
        var stdout = new StringWriter();

        await ToolApp.RunAsync([command, "--help"], stdout, new StringWriter());

        string[] words = stdout.ToString().Split([' ', '\n', ','], StringSplitOptions.RemoveEmptyEntries);
        Assert.All(listed.Split(' ', StringSplitOptions.RemoveEmptyEntries), option => Assert.Contains(option, words));
        Assert.All(left.Split(' ', StringSplitOptions.RemoveEmptyEntries), option => Assert.DoesNotContain(option, words));
        Assert.DoesNotContain("--top-k", words); // the former name stays hidden
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("acceptance")]
    [InlineData("generate")]
    [InlineData("chat")]
    public async Task Help_OnACommandThatLoadsModels_ListsTheExecutionProvider(string command)
    {
        var stdout = new StringWriter();

        await ToolApp.RunAsync([command, "--help"], stdout, new StringWriter());

        Assert.Contains("--execution-provider", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("--device-id", stdout.ToString(), StringComparison.Ordinal);
    }
}
