namespace FastDraft.Evaluation;

/// <summary>
/// Measures the greedy decode speed-up one draft gives a target: target-only and speculative decoding run by
/// <see cref="InterleavedSchedule"/>, measured by <see cref="GenerationMeter"/>, compared with
/// <see cref="Throughput.PairedSpeedup"/> and checked by the greedy quality gate: what <see cref="PairEvaluator"/>
/// does for one mode, without its K sweep and step costs.
/// </summary>
/// <remarks>Runs on the calling thread, one generation at a time; never disposes the models.</remarks>
public static class SpeedupMeasurement
{
    /// <summary>The name of the speculative mode in progress reports.</summary>
    private const string SpeculativeMode = "speculative";

    /// <summary>Measures greedy target-only and speculative decoding on every prompt, interleaved and counterbalanced, and compares their tokens.</summary>
    /// <param name="target">The target; not disposed.</param>
    /// <param name="draft">The draft; not disposed.</param>
    /// <param name="prompts">The prompts' token ids; each, with <paramref name="maxNewTokens"/>, must fit the target's context.</param>
    /// <param name="maxNewTokens">Tokens per generation; at least 2 (decoding starts after the first).</param>
    /// <param name="repetitions">Passes over the prompts; at least 1.</param>
    /// <param name="options">Speculative options (draft length, adaptive drafting); <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress after each generation; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the measurement between or inside generations.</param>
    /// <returns>The rates, the paired speed-up and the quality gate.</returns>
    /// <exception cref="ArgumentException">No prompts, or a length or repetition count out of range.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static SpeedupReport Measure(
        ITargetModel target,
        IDraftModel draft,
        IReadOnlyList<int[]> prompts,
        int maxNewTokens,
        int repetitions = 2,
        SpeculativeOptions? options = null,
        IProgress<EvaluationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(prompts);
        var baseline = new GeneratorMode(PairEvaluator.BaselineMode, new SpeculativeGenerator(target), keepTokens: true);
        var speculative = new GeneratorMode(SpeculativeMode, new SpeculativeGenerator(target, draft, options), keepTokens: true);
        var schedule = new ScheduleOptions { MaxNewTokens = maxNewTokens, Repetitions = repetitions };
        MeasurementSet set = InterleavedSchedule.Run([baseline, speculative], prompts, schedule, null, progress, cancellationToken);
        QualityGateReport quality = QualityGate.Greedy(target, set, baseline, [speculative], prompts, cancellationToken);

        double[] baselineRates = Throughput.RatesByRepetition(set.For(baseline));
        double[] rates = Throughput.RatesByRepetition(set.For(speculative));
        long drafted = 0, accepted = 0;
        foreach (GenerationSample sample in set.For(speculative).SelectMany(r => r))
        {
            drafted += sample.DraftedTokens;
            accepted += sample.AcceptedTokens;
        }

        return new SpeedupReport(
            Summary.Median(baselineRates), Summary.Median(rates), Throughput.PairedSpeedup(rates, baselineRates), drafted == 0 ? 0 : (double)accepted / drafted, quality);
    }
}
