using FastDraft.Internals.Sampling;

namespace FastDraft.Tests.Sampling;

public sealed class ProcessorTests
{
    private const int Vocabulary = 50;

    /// <summary>Bans odd tokens after an even context length: a context-dependent custom processor.</summary>
    internal sealed class ParityProcessor : ILogitsProcessor
    {
        public void Process(Span<float> logits, ReadOnlySpan<int> context)
        {
            for (int i = context.Length % 2; i < logits.Length; i += 2)
            {
                logits[i] -= 1.5f;
            }
        }
    }

    public static TheoryData<string> Configurations => ["t1", "t0.7-k8", "p0.9", "k5-p0.8-m0.1", "penalties", "custom", "t0.3-m0.2"];

    internal static GenerationOptions Options(string name, long seed = 1) => name switch
    {
        "t1" => new() { Temperature = 1f, Seed = seed },
        "t0.7-k8" => new() { Temperature = 0.7f, TopK = 8, Seed = seed },
        "p0.9" => new() { Temperature = 1f, TopP = 0.9f, Seed = seed },
        "k5-p0.8-m0.1" => new() { Temperature = 1.3f, TopK = 5, TopP = 0.8f, MinP = 0.1f, Seed = seed },
        "penalties" => new() { Temperature = 1f, RepetitionPenalty = 1.8f, PresencePenalty = 0.5f, MinP = 0.02f, Seed = seed },
        "custom" => new() { Temperature = 1f, LogitsProcessors = [new ParityProcessor()], Seed = seed },
        "t0.3-m0.2" => new() { Temperature = 0.3f, MinP = 0.2f, Seed = seed },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Distribution_MatchesTheIndependentReference(string configuration)
    {
        GenerationOptions options = Options(configuration);
        using var sampler = new TokenSampler(options, Vocabulary);
        var random = new Random(configuration.Length);
        var probabilities = new float[Vocabulary];
        for (int trial = 0; trial < 200; trial++)
        {
            float[] logits = [.. Enumerable.Range(0, Vocabulary).Select(_ => (float)((random.NextDouble() * 8) - 4))];
            int[] context = [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => random.Next(Vocabulary))];

            sampler.Distribution(logits, context, probabilities);
            double[] expected = ReferenceSampling.Distribution(logits, context, options);

            for (int i = 0; i < Vocabulary; i++)
            {
                Assert.True(Math.Abs(expected[i] - probabilities[i]) < 1e-5, $"trial {trial}, token {i}: expected {expected[i]:G6}, got {probabilities[i]:G6}");
            }

            Assert.Equal(1.0, probabilities.Sum(), 4);
        }
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    [InlineData(0.99f)]
    public void TopP_KeepsTheReferenceNucleus_OnLargePeakedVocabularies(float topP)
    {
        // Wide logits over a large vocabulary: most tokens fall below the (1 − top-p) / V floor that
        // the sampler skips, so this checks that skipping them never changes the nucleus.
        const int Large = 20_000;
        var options = new GenerationOptions { Temperature = 1f, TopP = topP, Seed = 1 };
        using var sampler = new TokenSampler(options, Large);
        var random = new Random(11);
        var probabilities = new float[Large];
        for (int trial = 0; trial < 20; trial++)
        {
            double spread = trial % 2 == 0 ? 30 : 3;
            float[] logits = [.. Enumerable.Range(0, Large).Select(_ => (float)(random.NextDouble() * spread))];
            sampler.Distribution(logits, [], probabilities);
            double[] expected = ReferenceSampling.Distribution(logits, [], options);
            Assert.Equal(expected.Select(p => p > 0), probabilities.Select(p => p > 0));
        }
    }

    [Fact]
    public void KthLargest_AgreesWithSorting_IncludingTies_ForHeapAndQuickselect()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 400; trial++)
        {
            float[] values = [.. Enumerable.Range(0, random.Next(1, 2000)).Select(_ => random.Next(-20, 20) + (trial % 2 == 0 ? 0 : (float)random.NextDouble()))];
            int k = random.Next(values.Length);
            float expected = values.OrderByDescending(v => v).ElementAt(k);
            Assert.Equal(expected, Selection.KthLargest(values.ToArray(), k));
        }
    }

    [Fact]
    public void NucleusThreshold_AgreesWithTheSortedCumulativeMass()
    {
        var random = new Random(4);
        for (int trial = 0; trial < 400; trial++)
        {
            float[] values = [.. Enumerable.Range(0, random.Next(1, 500)).Select(_ => trial % 3 == 0 ? random.Next(1, 5) : (float)Math.Exp(random.NextDouble() * 8))];
            float sum = values.Sum();
            values = [.. values.Select(v => v / sum)];
            double topP = random.NextDouble() * 0.99;

            double cumulative = 0;
            float expected = 0;
            foreach (float value in values.OrderByDescending(v => v))
            {
                cumulative += value;
                if (cumulative >= topP)
                {
                    expected = value;
                    break;
                }
            }

            Assert.Equal(expected, Selection.NucleusThreshold(values.ToArray(), topP));
        }
    }

    [Fact]
    public void Greedy_WithoutAdjustments_IsTheRawArgmax_AndPenaltiesChangeIt()
    {
        float[] logits = new float[Vocabulary];
        logits[7] = 5f;
        logits[9] = 4f;
        using var plain = new TokenSampler(new GenerationOptions { TopK = 3, TopP = 0.5f }, Vocabulary);
        Assert.True(plain.IsGreedy);
        Assert.False(plain.Adjusts);
        Assert.Equal(7, plain.Argmax(logits, [7, 7, 7]));

        using var penalized = new TokenSampler(new GenerationOptions { RepetitionPenalty = 2f }, Vocabulary);
        Assert.Equal(9, penalized.Argmax(logits, [7, 1])); // 5 / 2 < 4
    }

    [Fact]
    public void Draw_FollowsTheDistribution()
    {
        float[] probabilities = new float[Vocabulary];
        probabilities[3] = 0.2f;
        probabilities[11] = 0.5f;
        probabilities[40] = 0.3f;
        using var sampler = new TokenSampler(new GenerationOptions { Temperature = 1f, Seed = 5 }, Vocabulary);
        long[] counts = new long[Vocabulary];
        for (int i = 0; i < 20_000; i++)
        {
            counts[sampler.Draw(probabilities)]++;
        }

        (double statistic, int df) = ChiSquare.Statistic(counts, [.. probabilities.Select(p => (double)p)]);
        Assert.True(ChiSquare.PValue(statistic, df) > 0.001, $"χ² = {statistic:F1} on {df} df");
    }

    [Fact]
    public void ChiSquare_PValues_MatchKnownQuantiles()
    {
        // Standard table values: P(χ²₁ ≥ 3.841) = 0.05, P(χ²₁₀ ≥ 23.209) = 0.01, P(χ²₁₀₀ ≥ 124.342) = 0.05.
        Assert.Equal(0.05, ChiSquare.PValue(3.841, 1), 3);
        Assert.Equal(0.01, ChiSquare.PValue(23.209, 10), 3);
        Assert.Equal(0.05, ChiSquare.PValue(124.342, 100), 3);
        Assert.Equal(1.0, ChiSquare.PValue(0, 5), 6);
    }

    public static TheoryData<string, GenerationOptions> InvalidOptions => new()
    {
        { "Temperature", new() { Temperature = -0.1f } },
        { "Temperature", new() { Temperature = float.NaN } },
        { "Temperature", new() { Temperature = float.PositiveInfinity } },
        { "TopK", new() { TopK = -1 } },
        { "TopP", new() { TopP = 0f } },
        { "TopP", new() { TopP = 1.5f } },
        { "TopP", new() { TopP = float.NaN } },
        { "MinP", new() { MinP = -0.5f } },
        { "MinP", new() { MinP = 2f } },
        { "RepetitionPenalty", new() { RepetitionPenalty = 0f } },
        { "RepetitionPenalty", new() { RepetitionPenalty = float.NaN } },
        { "PresencePenalty", new() { PresencePenalty = float.NegativeInfinity } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void InvalidSamplingOptions_AreRejectedWhenGenerateIsCalled(string option, GenerationOptions options)
    {
        var model = new Infrastructure.FunctionModel(Vocabulary, c => c.Length % Vocabulary);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SpeculativeGenerator(model).GenerateAsync(new[] { 1, 2 }, options));
        Assert.Equal("options", ex.ParamName);
        Assert.Contains(option, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullLogitsProcessor_IsRejectedWhenGenerateIsCalled()
    {
        var model = new Infrastructure.FunctionModel(Vocabulary, c => c.Length % Vocabulary);
        Assert.Throws<ArgumentException>(() => new SpeculativeGenerator(model).GenerateAsync(new[] { 1 }, new GenerationOptions { LogitsProcessors = [null!] }));
    }
}
