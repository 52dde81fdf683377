using FastDraft.Evaluation;

namespace FastDraft.Tests.Evaluation;

/// <summary>The recommendation follows the measured figures it is given (no timing here: the reports are written by hand).</summary>
public sealed class RecommenderTests
{
    private static readonly QualityGateReport Passed = new() { Passed = true };

    internal static ModeReport Mode(string proposer, int k, bool adaptive, double speedup, double spread = 0.05) => new()
    {
        Name = adaptive ? $"{proposer} adaptive" : $"{proposer} K={k}",
        Proposer = proposer,
        DraftTokens = k,
        Adaptive = adaptive,
        Speedup = speedup,
        SpeedupMin = speedup - spread,
        SpeedupMax = speedup + spread,
        SpeedupAcrossPrompts = new Spread(speedup - 0.2, speedup, speedup + 0.2),
        CpuSaving = 0.3,
    };

    private static readonly ModeReport Baseline = new() { Name = "target-only", Speedup = 1 };

    [Fact]
    public void Choose_AdaptiveWithinThreePercentOfBestFixedK_PrefersAdaptive()
    {
        Recommendation choice = Recommender.Choose([Baseline, Mode("draft", 4, false, 2.00), Mode("draft", 8, true, 1.96), Mode("ngram-3", 4, false, 1.20), Mode("ngram-3", 8, true, 1.25)], Passed);

        Assert.Equal("draft adaptive", choice.Mode);
        Assert.Contains("within 3% of the best fixed K (4: 2.00×)", choice.Reason, StringComparison.Ordinal);
        Assert.Contains("ngram-3 reached 1.25×", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_FixedKClearlyFaster_PrefersFixedK()
    {
        Recommendation choice = Recommender.Choose([Baseline, Mode("draft", 4, false, 2.40), Mode("draft", 8, true, 2.00)], Passed);

        Assert.Equal("draft K=4", choice.Mode);
    }

    [Fact]
    public void Choose_NothingThreePercentFaster_IsTargetOnly()
    {
        Recommendation choice = Recommender.Choose([Baseline, Mode("ngram-3", 4, false, 1.02), Mode("ngram-3", 8, true, 0.99)], Passed);

        Assert.Equal("target-only", choice.Mode);
        Assert.Contains("ngram-3 K=4 at 1.02×", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_RanksByThePairedSpeedup_NotTheDecodeRate()
    {
        // The decode rates say adaptive; the paired speed-ups say K=6: the recommendation follows the speed-up, and says so.
        ModeReport fixedK = Mode("draft", 6, false, 3.11) with { DecodeTokensPerSecond = 2900 };
        ModeReport adaptive = Mode("draft", 8, true, 2.60) with { DecodeTokensPerSecond = 3100 };

        Recommendation choice = Recommender.Choose([Baseline, fixedK, adaptive], Passed);

        Assert.Equal("draft K=6", choice.Mode);
        Assert.Contains("ranked by that speed-up (paired by repetition), as in the speed-up chart", choice.Reason, StringComparison.Ordinal);
    }

}
