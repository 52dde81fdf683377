using System.Text;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fastdraft-ckpt-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TrainingOptions Options(string? path) => new()
    {
        BatchSize = 3,
        SequenceLength = 8,
        AccumulationSteps = 2,
        TotalSteps = 30,
        WarmupSteps = 4,
        LearningRate = 0.05,
        GradientClipNorm = 0.5,
        Seed = 17,
        CheckpointPath = path,
    };

    private static DraftTrainer NewTrainer(TrainingOptions options)
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();
        var data = new MixedBatchSource(
            [
                (new CorpusBatchSource(corpus, 8, WindowOrder.Random, 1), 2.0),
                (new CorpusBatchSource(corpus, 8, WindowOrder.Shuffled, 2), 1.0),
                (new MaskedRowSource(8, 2, 3), 1.0),
            ],
            seed: 5);
        return new DraftTrainer(new BigramGradientSource(TrainingFixtures.PhraseVocabulary), data, options);
    }

    [Fact]
    public async Task ResumedRun_AfterCancellation_ReproducesUninterruptedLossesBitwise()
    {
        CancellationToken testToken = TestContext.Current.CancellationToken;
        var uninterrupted = new RecordingProgress();
        float[] expectedParameters;
        using (DraftTrainer trainer = NewTrainer(Options(null)))
        {
            await trainer.RunAsync(uninterrupted, testToken);
            expectedParameters = trainer.Parameters.ToArray();
        }

        string path = Path.Combine(_folder, "run.ckpt");
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(testToken);
        var first = new RecordingProgress(p =>
        {
            if (p.Step == 12)
            {
                cancellation.Cancel();
            }
        });
        using (DraftTrainer trainer = NewTrainer(Options(path)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trainer.RunAsync(first, cancellation.Token));
        }

        Assert.True(File.Exists(path));
        var second = new RecordingProgress();
        float[] resumedParameters;
        using (DraftTrainer trainer = NewTrainer(Options(path)))
        {
            TrainingResult result = await trainer.RunAsync(second, testToken);
            Assert.Equal(30, result.Steps);
            resumedParameters = trainer.Parameters.ToArray();
        }

        long[] Bits(IEnumerable<TrainingProgress> reports) => [.. reports.Select(r => BitConverter.DoubleToInt64Bits(r.Loss))];
        Assert.Equal(12, first.Reports.Count);
        Assert.Equal(Enumerable.Range(13, 18).Select(s => (long)s), second.Reports.Select(r => r.Step));
        Assert.Equal(Bits(uninterrupted.Reports), Bits(first.Reports.Concat(second.Reports)));
        Assert.Equal(expectedParameters, resumedParameters);
    }

    [Fact]
    public async Task Write_ReplacesAtomically_LeavingNoTemporaryFiles()
    {
        string path = Path.Combine(_folder, "run.ckpt");
        using DraftTrainer trainer = NewTrainer(Options(path) with { TotalSteps = 6, CheckpointInterval = 2 });

        await trainer.RunAsync(null, TestContext.Current.CancellationToken);

        Assert.Equal(["run.ckpt"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("magic")]
    [InlineData("version")]
    public async Task Load_DamagedFile_ThrowsNamingTheFile(string damage)
    {
        string path = await WriteCheckpoint();
        byte[] bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "flip": bytes[bytes.Length / 2] ^= 0x10; break;
            case "truncate": bytes = bytes[..(bytes.Length - 9)]; break;
            case "magic": bytes[0] = (byte)'X'; break;
            default: bytes[8] = 2; break;
        }

        File.WriteAllBytes(path, bytes);
        using DraftTrainer trainer = NewTrainer(Options(path));

        InvalidCheckpointException exception = await Assert.ThrowsAsync<InvalidCheckpointException>(() => trainer.RunAsync(null, TestContext.Current.CancellationToken));

        Assert.Equal(path, exception.FilePath);
        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidCheckpointException>(() => trainer.RunAsync(null, TestContext.Current.CancellationToken)); // never starts afresh over it
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Load_OtherOptions_ThrowsFingerprintMismatch()
    {
        string path = await WriteCheckpoint();
        using DraftTrainer trainer = NewTrainer(Options(path) with { LearningRate = 0.01 });

        InvalidCheckpointException exception = await Assert.ThrowsAsync<InvalidCheckpointException>(() => trainer.RunAsync(null, TestContext.Current.CancellationToken));

        Assert.Contains("different model layout or training options", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_ChangedTimeBudgetOrIntervals_StillResumes()
    {
        string path = await WriteCheckpoint();
        using DraftTrainer trainer = NewTrainer(Options(path) with { TotalSteps = 5, CheckpointInterval = 1, TimeBudget = TimeSpan.FromHours(1) });

        TrainingResult result = await trainer.RunAsync(null, TestContext.Current.CancellationToken);

        Assert.Equal(5, result.Steps);
    }

    [Fact]
    public void Crc32C_BothPaths_GiveTheStandardCheckValueAndAgree()
    {
        byte[] check = Encoding.ASCII.GetBytes("123456789");
        byte[] data = new byte[10_007];
        new Random(3).NextBytes(data);

        Assert.Equal(0xE3069283u, Crc32C.Append(0, check));
        Assert.Equal(0xE3069283u, Crc32C.AppendSoftware(0, check));
        Assert.Equal(Crc32C.AppendSoftware(0, data), Crc32C.Append(Crc32C.Append(0, data.AsSpan(0, 5001)), data.AsSpan(5001)));
    }

    private async Task<string> WriteCheckpoint()
    {
        string path = Path.Combine(_folder, "run.ckpt");
        using DraftTrainer trainer = NewTrainer(Options(path) with { TotalSteps = 5 });
        await trainer.RunAsync(null, TestContext.Current.CancellationToken);
        return path;
    }
}
