using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class OptimizerTests
{
    private static ParameterLayout MixedLayout() => new(
    [
        new ParameterTensor("matrix", [3, 5], 0, WeightDecay: true),
        new ParameterTensor("gain", [7], 15, WeightDecay: false),
        new ParameterTensor("big", [10_000], 22, WeightDecay: true), // crosses the optimizer's chunk boundary
    ]);

    [Fact]
    public void AdamW_SeveralSteps_MatchesScalarReference()
    {
        ParameterLayout layout = MixedLayout();
        int n = (int)layout.TotalCount;
        var random = new Random(7);
        float[] parameters = [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5))];
        double[] reference = [.. parameters.Select(p => (double)p)];
        double[] m = new double[n];
        double[] v = new double[n];
        bool[] decay = [.. Enumerable.Range(0, n).Select(i => i < 15 || i >= 22)];
        const double beta1 = 0.9, beta2 = 0.95, epsilon = 1e-8, weightDecay = 0.1;
        var optimizer = new AdamW(layout, beta1, beta2, epsilon, weightDecay);
        for (int step = 1; step <= 5; step++)
        {
            float[] gradient = [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * 0.2))];
            double lr = 1e-2 * step;
            optimizer.Step(parameters, gradient, lr, step);

            for (int i = 0; i < n; i++)
            {
                if (decay[i])
                {
                    reference[i] *= 1 - (lr * weightDecay);
                }

                m[i] = (beta1 * m[i]) + ((1 - beta1) * gradient[i]);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * gradient[i] * gradient[i]);
                double mHat = m[i] / (1 - Math.Pow(beta1, step));
                double vHat = v[i] / (1 - Math.Pow(beta2, step));
                reference[i] -= lr * mHat / (Math.Sqrt(vHat) + epsilon);
            }
        }

        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(parameters[i] - reference[i]) <= 1e-6, $"parameter {i}: {parameters[i]} vs reference {reference[i]}");
        }
    }

    [Fact]
    public void AdamW_ZeroGradient_DecaysOnlyTensorsMarkedForDecay()
    {
        ParameterLayout layout = MixedLayout();
        float[] parameters = new float[layout.TotalCount];
        parameters.AsSpan().Fill(1f);
        var optimizer = new AdamW(layout, 0.9, 0.95, 1e-8, weightDecay: 0.5);

        optimizer.Step(parameters, new float[layout.TotalCount], learningRate: 0.1, step: 1);

        Assert.Equal(0.95f, parameters[0]);
        Assert.Equal(1f, parameters[15]);
        Assert.Equal(1f, parameters[21]);
        Assert.Equal(0.95f, parameters[22]);
        Assert.Equal(0.95f, parameters[^1]);
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(5, 0.5)]
    [InlineData(10, 1.0)]
    [InlineData(35, 0.1 + (0.9 * 0.5 * 1.7071067811865475))]
    [InlineData(60, 0.55)]
    [InlineData(85, 0.1 + (0.9 * 0.5 * 0.2928932188134524))]
    [InlineData(110, 0.1)]
    [InlineData(500, 0.1)]
    public void Schedule_KnownPoints_HaveExpectedRate(long step, double expected)
    {
        var schedule = new LearningRateSchedule(Peak: 1.0, Floor: 0.1, WarmupSteps: 10, Horizon: 110);

        Assert.Equal(expected, schedule.At(step), 12);
    }

    [Fact]
    public void Schedule_NoWarmup_StartsAtPeak()
    {
        var schedule = new LearningRateSchedule(Peak: 2.0, Floor: 0, WarmupSteps: 0, Horizon: 100);

        Assert.Equal(2.0, schedule.At(0), 12);
        Assert.Equal(1.0, schedule.At(50), 12);
    }

    [Fact]
    public void ClipGlobalNorm_AboveLimit_ScalesToLimit()
    {
        float[] gradient = [3, 0, 4, 0];

        double norm = GradientMath.ClipGlobalNorm(gradient, maxNorm: 1);

        Assert.Equal(5, norm, 6);
        Assert.Equal(0.6f, gradient[0], 5);
        Assert.Equal(0.8f, gradient[2], 5);
    }

    [Fact]
    public void ClipGlobalNorm_BelowLimit_LeavesGradient()
    {
        float[] gradient = [0.3f, 0.4f];

        GradientMath.ClipGlobalNorm(gradient, maxNorm: 1);

        Assert.Equal([0.3f, 0.4f], gradient);
    }

    [Fact]
    public void Accumulation_WeightsMicroBatchesByCountedPositions()
    {
        // Means 1 over 3 positions and 5 over 1 position: the mean over all 4 positions is 2.
        float[] accumulator = new float[2];

        GradientMath.Accumulate([1, 1], 3, accumulator, first: true);
        GradientMath.Accumulate([5, 5], 1, accumulator, first: false);
        GradientMath.Finish(accumulator, 4);

        Assert.Equal([2f, 2f], accumulator);
    }

    [Fact]
    public async Task Trainer_AccumulatedMicroBatches_MatchOneBigBatch()
    {
        // Sequential windows: two micro-batches of 2 rows see exactly the rows of one batch of 4.
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();
        float[] big = await TrainParameters(corpus, batchSize: 4, accumulation: 1);
        float[] accumulated = await TrainParameters(corpus, batchSize: 2, accumulation: 2);

        for (int i = 0; i < big.Length; i++)
        {
            Assert.True(Math.Abs(big[i] - accumulated[i]) <= 1e-5, $"parameter {i}: {big[i]} vs {accumulated[i]}");
        }
    }

    [Fact]
    public async Task Trainer_ManySteps_AllocateNoManagedMemoryPerStep()
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();
        var data = new MixedBatchSource(
            [(new CorpusBatchSource(corpus, 16, WindowOrder.Shuffled, 1), 2), (new MaskedRowSource(16, 3, 5), 1)],
            seed: 3);
        var options = new TrainingOptions
        {
            BatchSize = 4, SequenceLength = 16, AccumulationSteps = 2, TotalSteps = 60, WarmupSteps = 5, GradientClipNorm = 0.5,
        };
        using var trainer = new DraftTrainer(new BigramGradientSource(TrainingFixtures.PhraseVocabulary), data, options);
        var progress = new RecordingProgress();

        await trainer.RunAsync(progress, TestContext.Current.CancellationToken);

        // Steps 10..30 and 10..50 (N and 2N steps): the second span allocates no more than the first, beyond a few bytes.
        long n = progress.AllocatedAtStep[30] - progress.AllocatedAtStep[10];
        long twoN = progress.AllocatedAtStep[50] - progress.AllocatedAtStep[10];
        Assert.True(twoN - n <= 256, $"{n} bytes over 20 steps, {twoN} over 40");
    }

    private static async Task<float[]> TrainParameters(TokenCorpus corpus, int batchSize, int accumulation)
    {
        var options = new TrainingOptions
        {
            BatchSize = batchSize, SequenceLength = 8, AccumulationSteps = accumulation, TotalSteps = 6, WarmupSteps = 2, LearningRate = 0.05,
        };
        using var trainer = new DraftTrainer(new BigramGradientSource(TrainingFixtures.PhraseVocabulary), new CorpusBatchSource(corpus, 8, WindowOrder.Sequential, 0), options);
        await trainer.RunAsync(null, TestContext.Current.CancellationToken);
        return trainer.Parameters.ToArray();
    }
}
