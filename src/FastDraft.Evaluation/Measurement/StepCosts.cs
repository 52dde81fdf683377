using System.Diagnostics;

namespace FastDraft.Evaluation;

/// <summary>The mean time of one target pass and of one draft step in a timed cycle, in milliseconds.</summary>
/// <param name="PassMilliseconds">One pass of the cycle's block of tokens through the model.</param>
/// <param name="DraftStepMilliseconds">One single-token draft step after it (0 without draft steps).</param>
public readonly record struct CycleTime(double PassMilliseconds, double DraftStepMilliseconds);

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

/// <summary>Times passes of a model after a cache, optionally each followed by single-token steps of a draft.</summary>
public static class StepTimer
{
    private const int WarmUp = 3;
    private const int Repeats = 12;

    /// <summary>
    /// Repeats a pass of <paramref name="tokens"/> tokens through <paramref name="model"/> after
    /// <paramref name="context"/> cached tokens, each followed by <paramref name="draftSteps"/> single-token
    /// steps of <paramref name="draft"/> (both rolled back after each cycle); returns the mean times.
    /// </summary>
    /// <param name="model">The model whose pass is timed.</param>
    /// <param name="draft">The draft stepped after each pass, or <see langword="null"/>.</param>
    /// <param name="context">Cached tokens before the pass (capped so that the cycle fits both models).</param>
    /// <param name="tokens">Tokens per pass, at least 1.</param>
    /// <param name="draftSteps">Draft steps after each pass (0 without a draft).</param>
    /// <param name="cancellationToken">Cancels between cycles.</param>
    /// <returns>The mean pass time and the mean draft step time.</returns>
    public static CycleTime Cycle(ITargetModel model, ITargetModel? draft, int context, int tokens, int draftSteps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        if (draftSteps > 0 && draft is null)
        {
            throw new ArgumentException("Draft steps need a draft.", nameof(draft));
        }

        int limit = Math.Min(model.Info.ContextLength - tokens, draft is null ? int.MaxValue : draft.Info.ContextLength - draftSteps);
        int length = Math.Max(1, Math.Min(context, limit));
        int vocabulary = Math.Min(model.Info.VocabularySize, draft?.Info.VocabularySize ?? int.MaxValue);
        int[] filler = [.. Enumerable.Range(0, length).Select(i => (3 + (i % 50)) % vocabulary)];
        int[] block = [.. Enumerable.Range(0, tokens).Select(i => (5 + i) % vocabulary)];
        using IModelSession session = model.CreateSession(length + tokens);
        using IModelSession? draftSession = draft?.CreateSession(length + Math.Max(1, draftSteps));
        session.Append(filler, cancellationToken);
        draftSession?.Append(filler, cancellationToken);
        long targetTicks = 0, draftTicks = 0;
        for (int i = 0; i < WarmUp + Repeats; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long started = Stopwatch.GetTimestamp();
            session.Append(block, cancellationToken);
            long passed = Stopwatch.GetTimestamp();
            session.Truncate(length);
            for (int j = 0; j < draftSteps; j++)
            {
                draftSession!.Append(block.AsSpan(0, 1), cancellationToken);
            }

            long drafted = Stopwatch.GetTimestamp();
            draftSession?.Truncate(length);
            if (i >= WarmUp)
            {
                targetTicks += passed - started;
                draftTicks += drafted - passed;
            }
        }

        double Milliseconds(long ticks, int count) => count == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / count;
        return new CycleTime(Milliseconds(targetTicks, Repeats), Milliseconds(draftTicks, Repeats * draftSteps));
    }
}
