using FastDraft.Evaluation;

namespace FastDraft.Tests.Evaluation;

/// <summary>The shared statistics against values computed independently (R's quantile type 7, t tables).</summary>
public sealed class StatisticsTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(10, 1.9)]
    [InlineData(50, 5.5)]
    [InlineData(90, 9.1)]
    [InlineData(100, 10.0)]
    public void Percentile_OneToTen_InterpolatesBetweenRanks(double percent, double expected)
    {
        double[] values = [7, 2, 9, 1, 10, 4, 3, 8, 6, 5]; // unsorted on purpose

        Assert.Equal(expected, Summary.Percentile(values, percent), 10);
    }

    [Fact]
    public void Median_EvenCount_IsTheMeanOfTheMiddleTwo() => Assert.Equal(2.5, Summary.Median([4, 1, 3, 2]));

    [Fact]
    public void Median_Empty_Throws() => Assert.Throws<ArgumentException>(() => Summary.Median([]));

    [Theory]
    [InlineData(3, 0.975, 3.182446)]
    [InlineData(9, 0.975, 2.262157)]
    [InlineData(30, 0.975, 2.042272)]
    [InlineData(2, 0.995, 9.924843)]
    [InlineData(11, 0.995, 3.105807)]
    [InlineData(23, 0.9983333, 3.273850)] // a Bonferroni level of 99% shared by three
    public void StudentQuantile_TableValues_WithinTwoPerMille(int degrees, double p, double expected) =>
        Assert.Equal(expected, StudentT.Quantile(p, degrees), expected * 0.002);

    [Fact]
    public void MeanInterval_TenValues_IsMeanPlusMinusTTimesStandardError()
    {
        double[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; // mean 5.5, s = 3.02765, s/√n = 0.957427

        ConfidenceInterval interval = Summary.MeanInterval(values, 0.95);

        Assert.Equal(5.5, interval.Estimate, 10);
        Assert.Equal(5.5 - (2.262157 * 0.957427), interval.Lower, 3);
        Assert.Equal(5.5 + (2.262157 * 0.957427), interval.Upper, 3);
        Assert.True(interval.Contains(5.5));
        Assert.False(interval.Contains(8));
    }

    [Theory]
    [InlineData(0.0, 4, 1.0)]
    [InlineData(1.0, 4, 5.0)]
    [InlineData(0.5, 1, 1.5)]
    [InlineData(0.8, 4, 3.3616)]
    public void ExpectedTokensPerRound_KnownAlphas_MatchesTheGeometricSum(double alpha, int k, double expected) =>
        Assert.Equal(expected, SpeedupModel.ExpectedTokensPerRound(alpha, k), 10);

    [Fact]
    public void Predicted_FreeDraftAndPass_IsTheExpectedTokensPerRound() =>
        Assert.Equal(SpeedupModel.ExpectedTokensPerRound(0.7, 4), SpeedupModel.Predicted(0.7, 4, draftCost: 0, passCost: 1), 10);

    [Fact]
    public void PairedSpeedup_DriftingMachine_PairsRepetitions()
    {
        // The machine slows down by half between repetitions; paired ratios see a steady 2×.
        double[] mode = [200, 100, 50];
        double[] baseline = [100, 50, 25];

        Assert.Equal(2.0, Throughput.PairedSpeedup(mode, baseline), 10);
    }

    [Fact]
    public void DecodeRate_Generations_PoolsTokensAfterTheFirstOverDecodeTime()
    {
        GenerationSample[] run =
        [
            new() { GeneratedTokens = 11, DecodeTime = TimeSpan.FromSeconds(1) },
            new() { GeneratedTokens = 31, DecodeTime = TimeSpan.FromSeconds(3) },
        ];

        Assert.Equal(10.0, Throughput.DecodeRate(run), 10);
    }
}
