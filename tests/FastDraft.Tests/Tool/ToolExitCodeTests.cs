using System.Diagnostics;
using FastDraft.Tool;

namespace FastDraft.Tests.Tool;

/// <summary>The documented exit codes: 2 for bad arguments or unusable inputs, 130 after a cancel (in-process and Ctrl-C on a process).</summary>
public sealed class ToolExitCodeTests
{
    private static string Demo(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["generate", "--target", "/nonexistent/fastdraft-target", "--prompt", "x"], "fastdraft-target" },
        { ["generate", "--target", "t", "--prompt", "x", "--prompt-ids", "1,2"], "exactly one" },
        { ["generate", "--target", "t", "--prompt-ids", "1,x"], "--prompt-ids" },
        { ["generate", "--target", "t", "--prompt", "x", "--execution-provider", "tpu"], "tpu" },
        { ["generate", "--target", "t", "--prompt-file", "/nonexistent/prompt.txt"], "prompt.txt" },
        { ["generate", "--target", Demo("target"), "--prompt", "x", "--json-schema", "/nonexistent/fastdraft-schema.json"], "--json-schema /nonexistent/fastdraft-schema.json: cannot read the file" },
        { ["generate", "--target", "t", "--prompt", "x", "--json-object", "--json-schema", "s.json"], "cannot be combined" },
        { ["chat", "--target", "t", "--color", "sometimes"], "sometimes" },
        { ["pretrain", "--target", "t", "--corpus", "c", "--work", "w", "--top-k", "4", "--teacher-top-k", "4"], "--top-k" },
        { ["pretrain", "--target", "t", "--corpus", "c", "--work", "w", "--teacher-top-k", "-1"], "--teacher-top-k" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task BadArgument_ExitsTwoWithOneLineNamingIt(string[] args, string named)
    {
        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(args);

        Assert.Equal(ExitCodes.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public async Task Generate_Cancelled_ExitsWith130()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["generate", "--target", Demo("target"), "--prompt-ids", "1,2,3", "--json"], cancellation.Token);

        Assert.Equal(ExitCodes.Cancelled, exit);
        Assert.Contains("stopped", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_CtrlCAtThePrompt_ProcessExitsWith130()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Sends SIGINT with kill(1).");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "FastDraft.Tool.dll"), "chat", "--target", Demo("target"), "--draft", Demo("draft") },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);

        // Waits at the prompt (stdin stays open, nothing typed), then Ctrl-C.
        string? banner = await process.StandardError.ReadLineAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("Chat (", banner, StringComparison.Ordinal);
        using (Process kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2)); // a hang fails the test rather than the run
        await process.WaitForExitAsync(timeout.Token);
        string rest = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.Cancelled, process.ExitCode);
        Assert.Contains("stopped", rest, StringComparison.Ordinal);
        Assert.Equal("> ", await stdout);
    }
}
