using System.Security.Cryptography;
using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Tool;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

/// <summary>Alignment data is sealed when generation finishes: never appended to afterwards, refused by alignment until then, and a resumed alignment finds exactly the data it started on.</summary>
public sealed class AlignmentDataSealTests
{
    private static readonly byte[] Run = [.. Enumerable.Range(1, 16).Select(i => (byte)(i * 3))];

    private static string WriteData(int sequences, bool interruptedTail = false)
    {
        string path = Path.Combine(TestModels.Scratch("fdad"), "alignment.fdad");
        using (FileStream file = AlignmentDataFile.OpenForAppend(path, 50, 2, out _))
        {
            for (int i = 0; i < sequences; i++)
            {
                int[] tokens = [1, 2, 3, 4 + i, 5, 6];
                AlignmentDataFile.Append(file, tokens, 3, ContinuationKind.Greedy, [7, 8, 9, 10, 11, 12], [0.5f, 0.25f, 0.5f, 0.25f, 0.5f, 0.25f], 2);
            }

            if (interruptedTail)
            {
                file.Write([40, 0, 0, 0, 3, 0]); // a record cut short by a crash
            }
        }

        return path;
    }

    [Fact]
    public void Write_FinishedData_SealsWithCountAndChecksumAndReadersStillSeeEverySequence()
    {
        string path = WriteData(3, interruptedTail: true);

        AlignmentDataSeal seal = AlignmentDataSeal.Write(path, Run);

        Assert.Equal(3, seal.Sequences);
        AlignmentDataSeal read = AlignmentDataSeal.TryRead(path)!;
        Assert.Equal((seal.Sequences, seal.DataLength, seal.Checksum), (read.Sequences, read.DataLength, read.Checksum));
        Assert.Equal(Run, read.Fingerprint);
        Assert.Equal(3, AlignmentDataFile.ReadAll(path).Sequences.Count);
        (int topK, List<AlignmentSequence> sequences, _) = AlignmentDataSeal.ReadSealed(path, Run);
        Assert.Equal(2, topK);
        Assert.Equal(3, sequences.Count);
    }

    [Fact]
    public void OpenForAppend_SealedFile_Refused()
    {
        string path = WriteData(2);
        AlignmentDataSeal.Write(path, Run);
        byte[] before = File.ReadAllBytes(path);

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => AlignmentDataFile.OpenForAppend(path, 50, 2, out _));

        Assert.Contains("sealed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void ReadSealed_UnsealedData_RefusedSayingGenerationDidNotFinish()
    {
        string path = WriteData(2);

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => AlignmentDataSeal.ReadSealed(path, Run));

        Assert.Contains("not sealed", refused.Message, StringComparison.Ordinal);
        Assert.Contains("generate-data", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadSealed_AnotherRunsData_Refused()
    {
        string path = WriteData(2);
        AlignmentDataSeal.Write(path, Run);

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => AlignmentDataSeal.ReadSealed(path, new byte[16]));

        Assert.Contains("another run", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_ChangedAfterSealing_RefusedAsDamaged()
    {
        string path = WriteData(2);
        AlignmentDataSeal.Write(path, Run);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[30] ^= 1;
        File.WriteAllBytes(path, bytes);

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => AlignmentDataSeal.TryRead(path));

        Assert.Contains("damaged", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RestoreState_StampOfOtherData_Refused()
    {
        string first = WriteData(2);
        string second = WriteData(3);
        var sequences = AlignmentDataFile.ReadAll(first).Sequences;
        var made = new StampedBatchSource(new AlignmentBatchSource(sequences, 2, 4, 1), AlignmentDataSeal.Write(first, Run).Stamp());
        var resumed = new StampedBatchSource(new AlignmentBatchSource(sequences, 2, 4, 1), AlignmentDataSeal.Write(second, Run).Stamp());

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => resumed.RestoreState(made.SaveState()));

        Assert.Contains("other alignment data", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recipe_RerunAfterAlignIsCancelled_NeitherAppendsDataNorFailsToResume()
    {
        string work = Path.Combine(TestModels.Scratch("recipe"), "work");
        var options = new DraftRecipeOptions
        {
            Target = TestModels.TextModel,
            Corpus = ToolRuns.Corpus,
            Output = Path.Combine(work, "aligned"),
            WorkFolder = work,
            Stages = RecipeStages.Data | RecipeStages.Pretrain | RecipeStages.Align,
            Budget = TimeSpan.FromMinutes(10),
            // A step count, not a time budget: on a loaded machine an 8-second budget could end before align's first step.
            StageSteps = 20,
            Shape = new DecoderSpec { Layers = 1, HiddenSize = 32, Heads = 2, KeyValueHeads = 1, IntermediateSize = 32 },
            AlignmentData = DraftRecipeOptions.DefaultAlignmentData with { Sequences = 3, PromptLength = 16, ContinuationLength = 16, TopK = 2 },
            BatchSize = 2,
            SequenceLength = 32,
        };
        using var stop = new CancellationTokenSource();
        var cancelInAlign = new SyncProgress<RecipeProgress>(p =>
        {
            if (p.Stage == "align" && p.Message.StartsWith("step", StringComparison.Ordinal))
            {
                stop.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DraftRecipe.RunAsync(options, cancelInAlign, stop.Token));
        string data = Path.Combine(work, "alignment.fdad");
        byte[] sealedData = SHA256.HashData(File.ReadAllBytes(data));
        var reports = new List<RecipeProgress>();
        DraftRecipeResult result = await DraftRecipe.RunAsync(options, new SyncProgress<RecipeProgress>(reports.Add));

        Assert.Equal(sealedData, SHA256.HashData(File.ReadAllBytes(data)));
        Assert.Contains(reports, p => p.Stage == "data" && p.Message.Contains("sealed", StringComparison.Ordinal));
        Assert.Equal(AlignmentDataFile.ReadAll(data).Sequences.Count, result.AlignmentSequences);
        Assert.True(File.Exists(Path.Combine(work, "align.params")));
    }

    [Fact]
    public void Fingerprint_DataBatchSize_IsRecordedUnlessOne()
    {
        var options = new DraftRecipeOptions { Target = TestModels.TextModel, Corpus = ToolRuns.Corpus, Output = Path.Combine(TestModels.Scratch("fingerprint"), "out") };
        RunFingerprint Of(int size) => RunFingerprint.Compute(options with { AlignmentData = DraftRecipeOptions.DefaultAlignmentData with { BatchSize = size } });

        RunFingerprint single = Of(1);
        RunFingerprint eight = Of(8);

        // One at a time writes the data as runs before batching did: their folders' fingerprints still match.
        Assert.DoesNotContain("BatchSize", single.AlignmentData, StringComparison.Ordinal);
        Assert.Contains("BatchSize = 8", eight.AlignmentData, StringComparison.Ordinal);
        Assert.Equal(eight.Hash, Of(8).Hash);
        Assert.NotEqual(single.Hash, eight.Hash);
        Assert.Contains(eight.Differences(single), d => d.Contains("--data-batch-size", StringComparison.Ordinal) && d.Contains("BatchSize = 8 now", StringComparison.Ordinal));
    }

    [Fact]
    public void Fingerprint_EmbeddingFromTarget_IsRecordedOnlyWhenSet()
    {
        var options = new DraftRecipeOptions { Target = TestModels.TextModel, Corpus = ToolRuns.Corpus, Output = Path.Combine(TestModels.Scratch("fingerprint-embedding"), "out") };

        RunFingerprint scratch = RunFingerprint.Compute(options);
        RunFingerprint started = RunFingerprint.Compute(options with { InitializeEmbeddingFromTarget = true });

        Assert.NotEqual(scratch.Hash, started.Hash);
        Assert.Contains(started.Differences(scratch), d => d.StartsWith("--init-embedding-from-target", StringComparison.Ordinal));
        using var json = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            started.WriteTo(writer);
            writer.WriteEndObject();
        }

        using var document = System.Text.Json.JsonDocument.Parse(json.ToArray());
        Assert.Equal(started.Hash, RunFingerprint.ReadFrom(document.RootElement).Hash);
    }

    [Fact]
    public async Task Recipe_PretrainWithTheEmbeddingFromTheTarget_TrainsFromIt()
    {
        string work = Path.Combine(TestModels.Scratch("recipe-embedding"), "work");
        var options = new DraftRecipeOptions
        {
            Target = TestModels.TextModel,
            Corpus = ToolRuns.Corpus,
            Output = Path.Combine(work, "aligned"),
            WorkFolder = work,
            Stages = RecipeStages.Pretrain,
            StageSteps = 20,
            Shape = new DecoderSpec { Layers = 1, HiddenSize = 32, Heads = 2, KeyValueHeads = 1, IntermediateSize = 32 },
            BatchSize = 2,
            SequenceLength = 32,
            InitializeEmbeddingFromTarget = true,
        };

        await DraftRecipe.RunAsync(options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(File.Exists(Path.Combine(work, "pretrain.params")));
    }
}
