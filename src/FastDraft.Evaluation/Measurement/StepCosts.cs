namespace FastDraft.Evaluation;

/// <summary>
/// The step costs of the speed-up model, as ratios to the target's single-token step run back to back (the
/// step target-only decoding runs): v(K), a verification pass of K + 1 tokens, and c(K), one draft step in a
/// round of K.
/// </summary>
/// <param name="TargetStepMilliseconds">The target's single-token step, back to back.</param>
/// <param name="PassCost">v(K) by K: a pass of K + 1 tokens after K draft steps, in target steps.</param>
/// <param name="DraftCost">c(K) by K: one draft step after a target pass, in target steps (0 for a proposer without a model).</param>
public sealed record StepCosts(double TargetStepMilliseconds, IReadOnlyDictionary<int, double> PassCost, IReadOnlyDictionary<int, double> DraftCost)
{
    /// <summary>
    /// Times the target and the draft in the pattern the decoding loop runs them, for each K: a pass of
    /// K + 1 tokens, then K draft steps. Both are timed interleaved because each is slower after the other
    /// has streamed its weights through the cache than alone: stepping a draft on its own understates c.
    /// </summary>
    /// <param name="target">The target.</param>
    /// <param name="draft">The draft model, or <see langword="null"/> for a proposer without one (c = 0).</param>
    /// <param name="context">Cached tokens before the timed passes (capped by the context lengths).</param>
    /// <param name="draftTokens">The values of K.</param>
    /// <param name="cancellationToken">Cancels between passes.</param>
    /// <returns>The costs.</returns>
    public static StepCosts Measure(ITargetModel target, ITargetModel? draft, int context, IEnumerable<int> draftTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(draftTokens);
        double step = StepTimer.Cycle(target, null, context, 1, 0, cancellationToken).PassMilliseconds;
        var passes = new Dictionary<int, double>();
        var drafts = new Dictionary<int, double>();
        foreach (int k in draftTokens.Distinct().Order())
        {
            CycleTime cycle = StepTimer.Cycle(target, draft, context, k + 1, draft is null ? 0 : k, cancellationToken);
            passes[k] = cycle.PassMilliseconds / step;
            drafts[k] = cycle.DraftStepMilliseconds / step; // the first draft step after a target pass is the slowest: c depends on K
        }

        return new StepCosts(step, passes, drafts);
    }

    /// <summary>Returns the element-wise median of costs measured once per repetition.</summary>
    /// <param name="all">One or more measurements of the same values of K.</param>
    /// <returns>The median costs.</returns>
    public static StepCosts Median(IReadOnlyList<StepCosts> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentOutOfRangeException.ThrowIfZero(all.Count);
        Dictionary<int, double> Of(Func<StepCosts, IReadOnlyDictionary<int, double>> select) =>
            select(all[0]).Keys.ToDictionary(k => k, k => Summary.Median(all.Select(c => select(c)[k])));
        return new StepCosts(Summary.Median(all.Select(c => c.TargetStepMilliseconds)), Of(c => c.PassCost), Of(c => c.DraftCost));
    }
}
