using FastDraft.Tests.Infrastructure;
using FastDraft.Tool;

namespace FastDraft.Tests.Tool;

/// <summary>A work folder made by another run (target, corpus, seed, shape, ...) is refused before any work, naming what differs; <c>--restart</c> starts over.</summary>
public sealed class WorkFolderFingerprintTests
{
    public static TheoryData<string, string[], string> OtherOptions => new()
    {
        { "seed", ["--seed", "99"], "--seed (1234 then, 99 now)" },
        { "shape", ["--hidden", "64"], "the draft shape" },
        { "sequence length", ["--sequence-length", "64"], "--sequence-length (32 then, 64 now)" },
        { "top-k", ["--top-k", "2"], "TopK = 8 then, TopK = 2 now" },
        { "steps", ["--steps", "20"], "--steps (0: --minutes) (0 then, 20 now)" },
        { "draft vocabulary", ["--draft-vocabulary", "40"], "--draft-vocabulary (0: the full head) (0 then, 40 now)" },
    };

    private static string[] Pretrain(string target, string corpus, string work, params string[] more)
    {
        return ["pretrain", "--target", target, "--corpus", corpus, "--work", work, "--minutes", "0.02", .. ToolRuns.Shape(more)];
    }

    private static void AssertRefusedBeforeAnyWork(int exit, string stderr, string work, SortedDictionary<string, string> before, string naming)
    {
        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains(naming, stderr, StringComparison.Ordinal);
        Assert.Contains("--restart", stderr, StringComparison.Ordinal);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.DoesNotContain("tokenizing", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pretrain:", stderr, StringComparison.Ordinal);
        Assert.Equal(before, ToolRuns.Snapshot(work));
    }

    [Theory]
    [MemberData(nameof(OtherOptions))]
    public async Task Rerun_OtherOption_RefusedBeforeAnyWorkNamingIt(string what, string[] options, string naming)
    {
        _ = what;
        string work = ToolRuns.FinishedPretraining();
        var before = ToolRuns.Snapshot(work);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(Pretrain(TestModels.TextModel, ToolRuns.Corpus, work, options));

        AssertRefusedBeforeAnyWork(exit, stderr, work, before, naming);
    }

    [Fact]
    public async Task Rerun_OtherShape_RefusedBeforeTheFinishedStagesAreRead()
    {
        // Once this got two "already done" stages and then a parameter-count mismatch deep in the export.
        string work = ToolRuns.FinishedPretraining();
        var before = ToolRuns.Snapshot(work);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["train-draft", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--out", Path.Combine(TestModels.Scratch("out"), "d"), "--minutes", "0.05", .. ToolRuns.Shape("--layers", "2")]);

        AssertRefusedBeforeAnyWork(exit, stderr, work, before, "layers 1 then, layers 2 now");
    }

    [Fact]
    public async Task Rerun_OtherCorpus_RefusedBeforeAnyWork()
    {
        string work = ToolRuns.FinishedPretraining();
        var before = ToolRuns.Snapshot(work);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(Pretrain(TestModels.TextModel, ToolRuns.WriteCorpus(8), work));

        AssertRefusedBeforeAnyWork(exit, stderr, work, before, "the corpus files");
    }

    [Fact]
    public async Task Rerun_OtherTargetWeights_RefusedBeforeLoadingIt()
    {
        string work = ToolRuns.FinishedPretraining();
        var before = ToolRuns.Snapshot(work);
        string target = Path.Combine(TestModels.Scratch("target"), "target");
        ToolRuns.CopyFolder(TestModels.TextModel, target);
        string weights = Directory.EnumerateFiles(target).Where(f => f.Contains(".onnx", StringComparison.Ordinal)).MaxBy(f => new FileInfo(f).Length)!;
        using (var file = new FileStream(weights, FileMode.Open, FileAccess.Write))
        {
            file.Write("not a model any more"u8); // refused before loading, so even a broken target is only named
        }

        (int exit, _, string stderr) = await ToolRuns.RunAsync(Pretrain(target, ToolRuns.Corpus, work));

        AssertRefusedBeforeAnyWork(exit, stderr, work, before, "the target's model files");
    }

    [Fact]
    public async Task Rerun_OtherTokenizer_RefusedNamingIt()
    {
        string work = ToolRuns.FinishedPretraining();
        var before = ToolRuns.Snapshot(work);
        string target = Path.Combine(TestModels.Scratch("target"), "target");
        ToolRuns.CopyFolder(TestModels.TextModel, target);
        File.AppendAllText(Path.Combine(target, "tokenizer.json"), "\n");

        (int exit, _, string stderr) = await ToolRuns.RunAsync(Pretrain(target, ToolRuns.Corpus, work));

        AssertRefusedBeforeAnyWork(exit, stderr, work, before, "tokenizer");
    }

    [Fact]
    public async Task Rerun_TargetCopiedElsewhere_IsTheSameRun()
    {
        string work = ToolRuns.FinishedPretraining();
        string target = Path.Combine(TestModels.Scratch("target"), "moved");
        ToolRuns.CopyFolder(TestModels.TextModel, target);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(Pretrain(target, ToolRuns.Corpus, work));

        Assert.True(exit == 0, stderr);
        Assert.Contains("already done", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rerun_OtherSeedWithRestart_StartsOver()
    {
        string work = ToolRuns.FinishedPretraining();

        (int exit, _, string stderr) = await ToolRuns.RunAsync(Pretrain(TestModels.TextModel, ToolRuns.Corpus, work, "--seed", "99", "--restart"));

        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain("already done", stderr, StringComparison.Ordinal);
        Assert.Contains("\"seed\": 99", File.ReadAllText(Path.Combine(work, "run.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StageFilesWithoutRunRecord_Refused()
    {
        string work = ToolRuns.FinishedPretraining();
        File.Delete(Path.Combine(work, "run.json"));
        var before = ToolRuns.Snapshot(work);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(Pretrain(TestModels.TextModel, ToolRuns.Corpus, work));

        AssertRefusedBeforeAnyWork(exit, stderr, work, before, "run.json");
        Assert.Contains("pretrain.params", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StageFileCopiedFromAnotherRun_RefusedNamingTheFile()
    {
        string work = ToolRuns.FinishedPretraining();
        string other = ToolRuns.FinishedPretraining();
        (int restarted, _, string restartError) = await ToolRuns.RunAsync(Pretrain(TestModels.TextModel, ToolRuns.Corpus, other, "--seed", "5", "--restart"));
        Assert.True(restarted == 0, restartError);
        File.Copy(Path.Combine(other, "pretrain.params"), Path.Combine(work, "pretrain.params"), overwrite: true);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(Pretrain(TestModels.TextModel, ToolRuns.Corpus, work));

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("pretrain.params' was made by another run", stderr, StringComparison.Ordinal);
        ToolRuns.AssertOneErrorLine(stderr);
    }
}
