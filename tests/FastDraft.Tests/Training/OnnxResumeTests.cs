using FastDraft.ModelWriter;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

/// <summary>
/// Resuming on the real ONNX Runtime training graph (<see cref="DraftTrainer.Create(DecoderSpec, IBatchSource, TrainingOptions, EvaluationSet?, ReadOnlyMemory{float})"/>),
/// not a managed stand-in: a step-count run stopped by cancellation and resumed from its checkpoint gives the uninterrupted
/// run's losses and final parameters bit for bit (same machine, one intra-op thread).
/// </summary>
public sealed class OnnxResumeTests : IDisposable
{
    private const int Steps = 10;
    private const int StopAfter = 4;
    private readonly string _folder = Directory.CreateTempSubdirectory("fastdraft-onnx-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TrainingOptions Options(string? checkpoint) => new()
    {
        BatchSize = 2,
        SequenceLength = 8,
        AccumulationSteps = 2,
        TotalSteps = Steps,
        WarmupSteps = 2,
        LearningRate = 0.01,
        GradientClipNorm = 1,
        Seed = 3,
        IntraOpThreads = 1,
        CheckpointPath = checkpoint,
    };

    private static DraftTrainer NewTrainer(TrainingOptions options)
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();
        var data = new MixedBatchSource(
            [(new CorpusBatchSource(corpus, 8, WindowOrder.Random, 1), 2.0), (new CorpusBatchSource(corpus, 8, WindowOrder.Shuffled, 2), 1.0)],
            seed: 5);
        return DraftTrainer.Create(TrainingGraphHarness.Tiny, data, options);
    }

    [Fact]
    public async Task ResumedOnnxRun_AfterCancellation_ReproducesUninterruptedLossesAndParametersBitwise()
    {
        CancellationToken testToken = TestContext.Current.CancellationToken;
        var uninterrupted = new RecordingProgress();
        float[] expected;
        using (DraftTrainer trainer = NewTrainer(Options(null)))
        {
            await trainer.RunAsync(uninterrupted, testToken);
            expected = trainer.Parameters.ToArray();
        }

        string path = Path.Combine(_folder, "run.ckpt");
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(testToken);
        var first = new RecordingProgress(p =>
        {
            if (p.Step == StopAfter)
            {
                cancellation.Cancel();
            }
        });
        using (DraftTrainer trainer = NewTrainer(Options(path)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trainer.RunAsync(first, cancellation.Token));
        }

        var second = new RecordingProgress();
        float[] resumed;
        using (DraftTrainer trainer = NewTrainer(Options(path)))
        {
            TrainingResult result = await trainer.RunAsync(second, testToken);
            Assert.Equal(Steps, result.Steps);
            resumed = trainer.Parameters.ToArray();
        }

        static long[] Bits(IEnumerable<TrainingProgress> reports) => [.. reports.Select(r => BitConverter.DoubleToInt64Bits(r.Loss))];
        Assert.Equal(StopAfter, first.Reports.Count);
        Assert.Equal(Enumerable.Range(StopAfter + 1, Steps - StopAfter).Select(s => (long)s), second.Reports.Select(r => r.Step));
        Assert.Equal(Bits(uninterrupted.Reports), Bits(first.Reports.Concat(second.Reports)));
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), resumed.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(uninterrupted.Reports[0].Loss, uninterrupted.Reports[^1].Loss); // it trained: the comparison is not of constants
    }
}
