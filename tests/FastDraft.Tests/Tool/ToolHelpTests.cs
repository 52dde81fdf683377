using FastDraft.Tool;

namespace FastDraft.Tests.Tool;

/// <summary><c>--help</c> on the <c>fastdraft</c> tool itself and on every one of its commands.</summary>
public sealed class ToolHelpTests
{
    private static readonly string[] Commands = ["train-draft", "train-model", "acceptance", "eval", "generate-data", "pretrain", "align", "control", "export", "measure"];

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
    }
}
