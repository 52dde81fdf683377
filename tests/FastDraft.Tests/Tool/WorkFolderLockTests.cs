using FastDraft.Tests.Infrastructure;
using FastDraft.Tool;
using FastDraft.Training;

namespace FastDraft.Tests.Tool;

/// <summary>One run at a time per work folder: a second is refused with one line instead of both finishing on a mixture.</summary>
public sealed class WorkFolderLockTests
{
    [Fact]
    public void Acquire_Held_RefusesASecondHolderUntilReleased()
    {
        string work = TestModels.Scratch("locked");

        using (WorkFolderLock.Acquire(work))
        {
            IOException refused = Assert.Throws<IOException>(() => WorkFolderLock.Acquire(work));
            Assert.Contains("Another fastdraft run", refused.Message, StringComparison.Ordinal);
        }

        using WorkFolderLock again = WorkFolderLock.Acquire(work);
    }

    [Fact]
    public async Task Pretrain_WorkFolderHeldByAnotherRun_RefusedWithOneLine()
    {
        string work = ToolRuns.FinishedPretraining();
        var before = ToolRuns.Snapshot(work);
        using WorkFolderLock held = WorkFolderLock.Acquire(work);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["pretrain", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--minutes", "0.02", .. ToolRuns.TinyShape]);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("Another fastdraft run is using the work folder", stderr, StringComparison.Ordinal);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Equal(before, ToolRuns.Snapshot(work));
    }

    [Fact]
    public async Task Pretrain_AfterARunEnded_TakesTheFolderAgain()
    {
        string work = ToolRuns.FinishedPretraining();

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["pretrain", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--minutes", "0.02", .. ToolRuns.TinyShape]);

        Assert.True(exit == 0, stderr);
        using WorkFolderLock free = WorkFolderLock.Acquire(work);
    }
}
