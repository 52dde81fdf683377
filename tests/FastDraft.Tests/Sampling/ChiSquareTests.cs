namespace FastDraft.Tests.Sampling;

/// <summary>The sampling tests' own chi-square: valid on a long-tailed 50,000-category distribution, and able to fail.</summary>
public sealed class ChiSquareTests
{
    private const int Categories = 50_000;
    private const int Samples = 20_000;

    /// <summary>
    /// The softmax of seeded Gaussian logits (standard deviation <paramref name="spread"/>), as a language model's next-token
    /// distribution looks: a few likely categories and a tail of tens of thousands expected far less than once each.
    /// </summary>
    private static double[] LongTail(double spread, int seed = 7)
    {
        var random = new Random(seed);
        double[] logits = [.. Enumerable.Range(0, Categories).Select(_ => spread * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))];
        double max = logits.Max();
        double[] weights = [.. logits.Select(l => Math.Exp(l - max))];
        double sum = weights.Sum();
        return [.. weights.Select(w => w / sum)];
    }

    private static long[] Draw(double[] probabilities, int seed)
    {
        double[] cumulative = new double[probabilities.Length];
        double total = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            cumulative[i] = total += probabilities[i];
        }

        var random = new Random(seed);
        long[] counts = new long[probabilities.Length];
        for (int s = 0; s < Samples; s++)
        {
            int index = Array.BinarySearch(cumulative, random.NextDouble() * total);
            counts[Math.Min(index < 0 ? ~index : index, probabilities.Length - 1)]++;
        }

        return counts;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void LongTail_DrawnFromItself_Passes(int seed)
    {
        double[] p = LongTail(3);

        (double statistic, int degreesOfFreedom) = ChiSquare.Statistic(Draw(p, seed), p);

        Assert.True(ChiSquare.PValue(statistic, degreesOfFreedom) > SamplingModels.Alpha, $"χ² {statistic:F1} on {degreesOfFreedom} degrees of freedom");
        Assert.True(degreesOfFreedom > 100, $"{degreesOfFreedom} degrees of freedom: the tail should form many pooled bins");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void LongTail_WithOnlyTheTailReshaped_Fails(int seed)
    {
        // The likely categories keep their probabilities; within the categories expected under once each (the pooled
        // tail, about a twentieth of the mass), mass moves from the rarest to the less rare: an error only pooling sees.
        double[] p = LongTail(3);
        double cut = 1.0 / Samples;
        double tailMass = p.Where(v => v < cut).Sum();
        double[] reshaped = [.. p.Select(v => v < cut ? v * Math.Sqrt(v / cut) : v)];
        double reshapedTail = reshaped.Where((v, i) => p[i] < cut).Sum();
        reshaped = [.. reshaped.Select((v, i) => p[i] < cut ? v * tailMass / reshapedTail : v)];

        (double statistic, int degreesOfFreedom) = ChiSquare.Statistic(Draw(reshaped, seed), p);

        TestContext.Current.TestOutputHelper?.WriteLine($"χ² {statistic:F1} on {degreesOfFreedom} degrees of freedom");
        Assert.True(ChiSquare.PValue(statistic, degreesOfFreedom) < SamplingModels.Alpha, $"χ² {statistic:F1} on {degreesOfFreedom} degrees of freedom");
    }

    [Fact]
    public void LongTail_DrawnFromAnotherTail_Fails()
    {
        (double statistic, int degreesOfFreedom) = ChiSquare.Statistic(Draw(LongTail(3.3), seed: 1), LongTail(3));

        Assert.True(ChiSquare.PValue(statistic, degreesOfFreedom) < SamplingModels.Alpha, $"χ² {statistic:F1} on {degreesOfFreedom} degrees of freedom");
    }
}
