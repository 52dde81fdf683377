using System.Globalization;

namespace FastDraft.Evaluation;

/// <summary>
/// Chooses the mode to deploy from measured speed-ups (<see cref="ModeReport.Speedup"/>: the paired statistic the speed-up
/// chart shows too), and says why; <see cref="ReliabilityCheck"/> says when the run cannot separate the modes.
/// </summary>
internal static class Recommender
{
    /// <summary>The speed-up a proposer must reach to be worth its CPU and memory: above the run-to-run noise of a busy machine.</summary>
    private const double Worthwhile = 1.03;

    /// <summary>Adaptive drafting is preferred when it reaches this fraction of the best fixed K: it stops drafting where drafts fail.</summary>
    private const double AdaptiveTolerance = 0.97;

    public static Recommendation Choose(IReadOnlyList<ModeReport> modes, QualityGateReport quality)
    {
        if (!quality.Passed)
        {
            return new Recommendation("target-only", "The quality gate failed: speculative output differed from the target's own, so no speed-up counts until verification is fixed.");
        }

        ModeReport[] speculative = [.. modes.Where(m => m.Proposer is not null)];
        ModeReport best = speculative.MaxBy(m => m.Speedup)!;
        if (best.Speedup < Worthwhile)
        {
            return new Recommendation("target-only", F($"No proposer beat target-only decoding by {(Worthwhile - 1) * 100:F0}% or more (best: {best.Name} at {best.Speedup:F2}×): drafting would cost CPU for nothing."));
        }

        ModeReport[] own = [.. speculative.Where(m => m.Proposer == best.Proposer)];
        ModeReport adaptive = own.First(m => m.Adaptive);
        ModeReport bestFixed = own.Where(m => !m.Adaptive).MaxBy(m => m.Speedup)!;
        bool chooseAdaptive = best.Adaptive || adaptive.Speedup >= bestFixed.Speedup * AdaptiveTolerance;
        ModeReport choice = chooseAdaptive ? adaptive : bestFixed;
        string why = !chooseAdaptive
            ? F($"fixed K = {choice.DraftTokens} is fastest, {choice.Speedup:F2}× median speed-up against {adaptive.Speedup:F2}× adaptive")
            : best.Adaptive
                ? F($"fastest, {adaptive.Speedup:F2}× median speed-up against {bestFixed.Speedup:F2}× at the best fixed K ({bestFixed.DraftTokens})")
                : F($"{adaptive.Speedup:F2}× median speed-up, within {(1 - AdaptiveTolerance) * 100:F0}% of the best fixed K ({bestFixed.DraftTokens}: {bestFixed.Speedup:F2}×), and it stops drafting where drafts are rejected, so it holds up better on prompts unlike these");
        string spread = F($"; across prompts {choice.SpeedupAcrossPrompts.P10:F2}× (p10) to {choice.SpeedupAcrossPrompts.P90:F2}× (p90)");
        string cpu = choice.CpuSaving < 0 ? F($"; it uses {-choice.CpuSaving * 100:F0}% more CPU per token than target-only") : F($"; it saves {choice.CpuSaving * 100:F0}% of target-only's CPU per token");
        string others = string.Concat(speculative
            .Where(m => m.Proposer != best.Proposer)
            .GroupBy(m => m.Proposer)
            .Select(g => g.MaxBy(m => m.Speedup)!)
            .Select(m => F($"; {m.Proposer} reached {m.Speedup:F2}× at best ({m.Name})")));
        return new Recommendation(choice.Name, $"{choice.Name}: {why}{spread}{cpu}{others}. Modes are ranked by that speed-up (paired by repetition), as in the speed-up chart.");
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
