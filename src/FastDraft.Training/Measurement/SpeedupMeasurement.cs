namespace FastDraft.Training;

/// <summary>Decode speed of target-only and speculative generation over the same prompts, measured interleaved in one run.</summary>
/// <param name="TargetOnlyTokensPerSecond">Target-only decode tokens per second (all prompts, all repetitions).</param>
/// <param name="SpeculativeTokensPerSecond">Speculative decode tokens per second.</param>
/// <param name="Speedup">The ratio of the two.</param>
/// <param name="AcceptanceRate">Drafted tokens the target accepted, speculative runs.</param>
/// <param name="IdenticalOutputs">Whether every speculative output equalled the target-only output token for token.</param>
public sealed record SpeedupReport(double TargetOnlyTokensPerSecond, double SpeculativeTokensPerSecond, double Speedup, double AcceptanceRate, bool IdenticalOutputs);

/// <summary>Measures the greedy decode speed-up a draft gives a target with <see cref="SpeculativeGenerator"/>.</summary>
public static class SpeedupMeasurement
{
    /// <summary>Runs target-only and speculative greedy generation on every prompt, alternating which goes first, and compares tokens.</summary>
    /// <param name="target">The target; not disposed.</param>
    /// <param name="draft">The draft; not disposed.</param>
    /// <param name="prompts">Held-out prompts.</param>
    /// <param name="maxNewTokens">Tokens per generation.</param>
    /// <param name="repetitions">Passes over the prompts.</param>
    /// <param name="options">Speculative options (draft length, adaptive drafting); <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the measurement.</param>
    /// <returns>The speeds, the ratio and the exactness check.</returns>
    public static async Task<SpeedupReport> MeasureAsync(ITargetModel target, ITargetModel draft, IReadOnlyList<int[]> prompts, int maxNewTokens, int repetitions = 2, SpeculativeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        var baseline = new SpeculativeGenerator(target);
        var speculative = new SpeculativeGenerator(target, draft.AsDraft(), options);
        var request = new GenerationOptions { MaxNewTokens = maxNewTokens, IgnoreEndOfSequence = true };

        // Warm both paths once so that neither pays first-run costs inside the measurement.
        await baseline.GenerateToListAsync(prompts[0], request with { MaxNewTokens = 8 }, cancellationToken).ConfigureAwait(false);
        await speculative.GenerateToListAsync(prompts[0], request with { MaxNewTokens = 8 }, cancellationToken).ConfigureAwait(false);

        double baselineTokens = 0, baselineSeconds = 0, speculativeTokens = 0, speculativeSeconds = 0;
        long drafted = 0, accepted = 0;
        bool identical = true;
        int order = 0;
        for (int repetition = 0; repetition < repetitions; repetition++)
        {
            foreach (int[] prompt in prompts)
            {
                bool baselineFirst = (order++ & 1) == 0;
                GenerationResult first = await (baselineFirst ? baseline : speculative).GenerateToListAsync(prompt, request, cancellationToken).ConfigureAwait(false);
                GenerationResult second = await (baselineFirst ? speculative : baseline).GenerateToListAsync(prompt, request, cancellationToken).ConfigureAwait(false);
                (GenerationResult plain, GenerationResult fast) = baselineFirst ? (first, second) : (second, first);
                identical &= plain.Ids.AsSpan().SequenceEqual(fast.Ids);
                baselineTokens += plain.Stats.GeneratedTokens - 1;
                baselineSeconds += (plain.Stats.TotalTime - plain.Stats.TimeToFirstToken).TotalSeconds;
                speculativeTokens += fast.Stats.GeneratedTokens - 1;
                speculativeSeconds += (fast.Stats.TotalTime - fast.Stats.TimeToFirstToken).TotalSeconds;
                drafted += fast.Stats.DraftedTokens;
                accepted += fast.Stats.AcceptedTokens;
            }
        }

        double baseRate = baselineTokens / Math.Max(baselineSeconds, 1e-9);
        double fastRate = speculativeTokens / Math.Max(speculativeSeconds, 1e-9);
        return new SpeedupReport(baseRate, fastRate, fastRate / baseRate, drafted == 0 ? 0 : (double)accepted / drafted, identical);
    }
}
