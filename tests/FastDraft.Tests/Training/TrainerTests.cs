using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class TrainerTests
{
    private static readonly TrainingOptions Valid = new() { BatchSize = 4, SequenceLength = 8, TotalSteps = 40, WarmupSteps = 5, LearningRate = 0.05 };

    public static TheoryData<string, TrainingOptions> InvalidOptions => new()
    {
        { "BatchSize", Valid with { BatchSize = 0 } },
        { "AccumulationSteps", Valid with { AccumulationSteps = 0 } },
        { "LearningRate", Valid with { LearningRate = double.NaN } },
        { "MinLearningRateRatio", Valid with { MinLearningRateRatio = 1.5 } },
        { "TotalSteps", Valid with { TotalSteps = 3 } },
        { "Beta2", Valid with { Beta2 = 1 } },
        { "Epsilon", Valid with { Epsilon = 0 } },
        { "GradientClipNorm", Valid with { GradientClipNorm = -1 } },
        { "TimeBudget", Valid with { TimeBudget = TimeSpan.Zero } },
        { "CheckpointInterval", Valid with { CheckpointInterval = 10 } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Create_InvalidOption_ThrowsNamingIt(string name, TrainingOptions options)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Create(options));

        Assert.Equal(name, exception.ParamName);
        Assert.Contains(name, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NoEnd_Throws()
    {
        Assert.Throws<ArgumentException>(() => Create(Valid with { TotalSteps = null }));
    }

    [Fact]
    public void Create_InvalidOptions_NeverBuildsTheGradientSource()
    {
        bool built = false;

        Assert.Throws<ArgumentOutOfRangeException>(() => DraftTrainer.Create(
            () => { built = true; return new BigramGradientSource(5); },
            new CorpusBatchSource(TrainingFixtures.PhraseCorpus(), 8, WindowOrder.Random, 0),
            Valid with { BatchSize = -1 }));

        Assert.False(built);
    }

    [Fact]
    public void Create_TrainerRejectsTheSetup_DisposesTheGradientSource()
    {
        var source = new BigramGradientSource(5);

        Assert.Throws<ArgumentException>(() => DraftTrainer.Create(
            () => source,
            new CorpusBatchSource(TrainingFixtures.PhraseCorpus(), 16, WindowOrder.Random, 0),
            Valid));

        Assert.True(source.Disposed);
    }

    [Fact]
    public void Create_SequenceLengthDiffersFromSource_Throws()
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();

        Assert.Throws<ArgumentException>(() => new DraftTrainer(new BigramGradientSource(5), new CorpusBatchSource(corpus, 16, WindowOrder.Random, 0), Valid));
    }

    [Fact]
    public async Task Run_LearnableCorpus_LowersHeldOutBitsAndReportsEveryStep()
    {
        (TokenCorpus train, TokenCorpus heldOut) = TrainingFixtures.PhraseCorpus(files: 20).SplitByFile(0.2, seed: 1);
        EvaluationSet evaluation = EvaluationSet.FromCorpus(heldOut, 8, maxSequences: 16);
        using DraftTrainer trainer = new(
            new BigramGradientSource(TrainingFixtures.PhraseVocabulary),
            new CorpusBatchSource(train, 8, WindowOrder.Shuffled, 3),
            Valid with { EvaluationInterval = 20 },
            evaluation);
        double before = trainer.EvaluateBitsPerToken(evaluation);
        var progress = new RecordingProgress();

        TrainingResult result = await trainer.RunAsync(progress, TestContext.Current.CancellationToken);

        Assert.Equal(TrainingStopReason.Completed, result.StopReason);
        Assert.Equal(Enumerable.Range(1, 40).Select(s => (long)s), progress.Reports.Select(r => r.Step));
        Assert.Equal([20L, 40L], progress.Reports.Where(r => r.HeldOutBitsPerToken is not null).Select(r => r.Step));
        Assert.True(result.HeldOutBitsPerToken < before - 0.3, $"held-out bits {before} → {result.HeldOutBitsPerToken}");
        Assert.True(progress.Reports[^1].Loss < progress.Reports[0].Loss);
        Assert.Equal(40L * 4 * 8, result.TokensSeen);
        Assert.Equal(0.01, progress.Reports[0].LearningRate, 12); // warm-up: 0.05 · 1/5
        Assert.Equal(0.005, progress.Reports[^1].LearningRate, 12); // the floor, 0.1 of the peak
        Assert.All(progress.Reports, r => Assert.Equal(40, r.Horizon));
    }

    [Fact]
    public async Task Run_SameSeedTwice_GivesIdenticalParameters()
    {
        float[] first = await Train(Valid);
        float[] second = await Train(Valid);
        float[] otherSeed = await Train(Valid with { Seed = 1 });

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public async Task Run_TimeBudgetOnly_FixesAHorizonAndStopsOnTheBudget()
    {
        var progress = new RecordingProgress();
        using DraftTrainer trainer = Create(Valid with { TotalSteps = null, TimeBudget = TimeSpan.FromSeconds(1) });

        TrainingResult result = await trainer.RunAsync(progress, TestContext.Current.CancellationToken);

        Assert.True(result.Steps >= 1);
        Assert.Contains(progress.Reports, r => r.Horizon > 0);
        Assert.Equal(0, progress.Reports[0].Horizon);
    }

    [Fact]
    public async Task Run_TotalStepsWithLongBudget_CompletesAllSteps()
    {
        using DraftTrainer trainer = Create(Valid with { TimeBudget = TimeSpan.FromHours(1) });

        TrainingResult result = await trainer.RunAsync(null, TestContext.Current.CancellationToken);

        Assert.Equal(TrainingStopReason.Completed, result.StopReason);
        Assert.Equal(40, result.Steps);
    }

    [Fact]
    public async Task Run_AlreadyCancelled_ThrowsWithoutTraining()
    {
        using DraftTrainer trainer = Create(Valid);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trainer.RunAsync(null, new CancellationToken(canceled: true)));

        Assert.Equal(0, trainer.Step);
    }

    [Fact]
    public void Dispose_DisposesTheGradientSource()
    {
        var source = new BigramGradientSource(TrainingFixtures.PhraseVocabulary);
        var trainer = new DraftTrainer(source, new CorpusBatchSource(TrainingFixtures.PhraseCorpus(), 8, WindowOrder.Random, 0), Valid);

        trainer.Dispose();

        Assert.True(source.Disposed);
    }

    [Fact]
    public void Create_SeededInitialisation_SetsGainsToOneAndWeightsSmall()
    {
        using DraftTrainer trainer = Create(Valid with { InitialStandardDeviation = 0.02 });
        ReadOnlySpan<float> parameters = trainer.Parameters.Span;

        Assert.All(parameters[25..].ToArray(), p => Assert.Equal(1f, p));
        Assert.All(parameters[..25].ToArray(), p => Assert.InRange(p, -0.035f, 0.035f));
        Assert.Contains(parameters[..25].ToArray(), p => p != 0);
    }

    private static DraftTrainer Create(TrainingOptions options) => new(
        new BigramGradientSource(TrainingFixtures.PhraseVocabulary),
        new CorpusBatchSource(TrainingFixtures.PhraseCorpus(), 8, WindowOrder.Random, 0),
        options);

    private static async Task<float[]> Train(TrainingOptions options)
    {
        using DraftTrainer trainer = Create(options);
        await trainer.RunAsync(null, TestContext.Current.CancellationToken);
        return trainer.Parameters.ToArray();
    }
}
