using FastDraft.Evaluation;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Evaluation;

/// <summary>
/// The recipe's speed-up measurement is <c>eval</c>'s for one mode: the same schedule, the same paired statistic, the
/// same greedy quality gate, so a speculative token that differs from target-only's is a failure.
/// </summary>
public sealed class SpeedupMeasurementTests
{
    private const int Vocabulary = 48;

    private static int[][] Prompts(int count) =>
        [.. Enumerable.Range(0, count).Select(p => Enumerable.Range(0, 12 + p).Select(i => ((i * 7) + (p * 13) + 1) % Vocabulary).ToArray())];

    [Fact]
    public void Measure_DraftIsTheTarget_PassesTheGateWithEveryProposalAccepted()
    {
        ITargetModel target = LogitsModel.Hashed(Vocabulary, seed: 3);

        SpeedupReport report = SpeedupMeasurement.Measure(target, LogitsModel.Hashed(Vocabulary, seed: 3).AsDraft(), Prompts(3), maxNewTokens: 24, repetitions: 2, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(report.IdenticalOutputs);
        Assert.Equal(2 * 3, report.Quality.Compared); // repetitions × prompts, one speculative mode
        Assert.Equal(1.0, report.AcceptanceRate);
        Assert.True(report.TargetOnlyTokensPerSecond > 0 && report.SpeculativeTokensPerSecond > 0, $"{report}");
        Assert.True(double.IsFinite(report.Speedup) && report.Speedup > 0, $"speed-up {report.Speedup}");
    }

    [Fact]
    public void Measure_BrokenVerification_ReportsTheDifferingTokensAsAFailure()
    {
        var target = new FaultyVerificationTarget(LogitsModel.Hashed(Vocabulary, seed: 3), FaultyVerificationTarget.SwapTopTwo);

        SpeedupReport report = SpeedupMeasurement.Measure(target, LogitsModel.Hashed(Vocabulary, seed: 3).AsDraft(), Prompts(3), maxNewTokens: 24, repetitions: 2, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(report.IdenticalOutputs);
        Assert.NotEmpty(report.Quality.Differences);
        Assert.DoesNotContain(report.Quality.Differences, d => d.Mode == PairEvaluator.BaselineMode); // target-only itself is intact
    }

    [Fact]
    public void Measure_OneTokenGenerations_AreRefusedBeforeAnyRun()
    {
        ITargetModel target = LogitsModel.Hashed(Vocabulary, seed: 3);

        Assert.ThrowsAny<ArgumentException>(() => SpeedupMeasurement.Measure(target, target.AsDraft(), Prompts(1), maxNewTokens: 1));
    }
}
