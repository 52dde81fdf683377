using FastDraft.Tests.Infrastructure;
using FastDraft.Tool;

namespace FastDraft.Tests.Tool;

/// <summary>A mistaken <c>--out</c> or <c>--work</c> is refused before anything is loaded or written, and the target and a finished draft survive it.</summary>
public sealed class OutputFolderGuardTests
{
    private static string TargetCopy()
    {
        string copy = Path.Combine(TestModels.Scratch("target"), "target");
        ToolRuns.CopyFolder(TestModels.TextModel, copy);
        return copy;
    }

    private static async Task<(int Exit, string Stderr)> TrainDraftAsync(string target, string output, params string[] more)
    {
        (int exit, _, string stderr) = await ToolRuns.RunAsync(["train-draft", "--target", target, "--corpus", ToolRuns.Corpus, "--out", output, "--minutes", "0.05", .. ToolRuns.TinyShape, .. more]);
        return (exit, stderr);
    }

    [Fact]
    public async Task TrainDraft_OutIsTheTarget_RefusedAndTheTargetIsUntouched()
    {
        string target = TargetCopy();
        var before = ToolRuns.Snapshot(target);

        (int exit, string stderr) = await TrainDraftAsync(target, target);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("--out", stderr, StringComparison.Ordinal);
        Assert.Contains("target", stderr, StringComparison.Ordinal);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Equal(before, ToolRuns.Snapshot(target));
        Assert.False(Directory.Exists(target + ".work"), "nothing is created for a refused run");
    }

    [Fact]
    public async Task TrainDraft_OutInsideTheTarget_Refused()
    {
        string target = TargetCopy();
        var before = ToolRuns.Snapshot(target);

        (int exit, string stderr) = await TrainDraftAsync(target, Path.Combine(target, "draft"));

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("inside the target", stderr, StringComparison.Ordinal);
        Assert.Equal(before, ToolRuns.Snapshot(target));
    }

    [Fact]
    public async Task TrainDraft_OutHoldsTheTarget_Refused()
    {
        string target = TargetCopy();
        string parent = Path.GetDirectoryName(target)!;
        var before = ToolRuns.Snapshot(parent);

        (int exit, string stderr) = await TrainDraftAsync(target, parent, "--work", Path.Combine(TestModels.Scratch("work"), "w"));

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("holds the target", stderr, StringComparison.Ordinal);
        Assert.Equal(before, ToolRuns.Snapshot(parent));
    }

    [Fact]
    public async Task TrainDraft_OutIsALinkToTheTarget_Refused()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // symbolic links need privileges there
        }

        string target = TargetCopy();
        string link = Path.Combine(TestModels.Scratch("link"), "draft");
        Directory.CreateSymbolicLink(link, target);
        var before = ToolRuns.Snapshot(target);

        (int exit, string stderr) = await TrainDraftAsync(target, link);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("is the target", stderr, StringComparison.Ordinal);
        Assert.Equal(before, ToolRuns.Snapshot(target));
    }

    [Theory]
    [InlineData("")]
    [InlineData("w")]
    public async Task Pretrain_WorkIsOrInsideTheTarget_Refused(string inside)
    {
        string target = TargetCopy();
        var before = ToolRuns.Snapshot(target);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["pretrain", "--target", target, "--corpus", ToolRuns.Corpus, "--work", Path.Combine(target, inside), "--minutes", "0.05", .. ToolRuns.TinyShape]);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("--work", stderr, StringComparison.Ordinal);
        Assert.Equal(before, ToolRuns.Snapshot(target));
    }

    [Fact]
    public async Task Export_OutHoldsAFinishedDraft_RefusedAndTheDraftIsUntouched()
    {
        string work = ToolRuns.FinishedPretraining();
        string draft = TargetCopy(); // any model folder stands for a finished draft
        var before = ToolRuns.Snapshot(draft);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["export", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--out", draft, "--minutes", "0.05", .. ToolRuns.TinyShape]);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("--force", stderr, StringComparison.Ordinal);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Equal(before, ToolRuns.Snapshot(draft));
    }

    [Fact]
    public async Task Export_OutHoldsFilesAndForce_Overwrites()
    {
        string work = ToolRuns.FinishedPretraining();
        File.Copy(Path.Combine(work, "pretrain.params"), Path.Combine(work, "align.params")); // stands for a finished alignment
        string output = Path.Combine(TestModels.Scratch("out"), "draft");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "an earlier export");

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["export", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--out", output, "--force", "--minutes", "0.05", .. ToolRuns.TinyShape]);

        Assert.True(exit == 0, stderr);
        Assert.True(File.Exists(Path.Combine(output, "model.onnx")));
    }

    [Fact]
    public async Task Export_Twice_OverwritesItsOwnExportWithoutForce()
    {
        string work = ToolRuns.FinishedPretraining();
        File.Copy(Path.Combine(work, "pretrain.params"), Path.Combine(work, "align.params")); // stands for a finished alignment
        string output = Path.Combine(TestModels.Scratch("out"), "draft");
        string[] export = ["export", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--out", output, "--minutes", "0.05", .. ToolRuns.TinyShape];

        (int first, _, string firstError) = await ToolRuns.RunAsync(export);
        (int second, _, string secondError) = await ToolRuns.RunAsync(export);

        Assert.True(first == 0, firstError);
        Assert.True(second == 0, secondError);
        Assert.True(File.Exists(Path.Combine(output, "model.onnx")));
    }
}
