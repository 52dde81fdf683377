namespace FastDraft.Evaluation;

/// <summary>Turns one mode's samples into its <see cref="ModeReport"/>, against target-only's samples from the same repetitions.</summary>
internal static class ModeSummarizer
{
    public static ModeReport Summarize(
        ModePlan plan, IReadOnlyList<IReadOnlyList<GenerationSample>> runs, IReadOnlyList<IReadOnlyList<GenerationSample>> baseline, double? pricePerCoreHour)
    {
        GenerationSample[] all = [.. runs.SelectMany(r => r)];
        double[] rates = Throughput.RatesByRepetition(runs);
        double[] baselineRates = Throughput.RatesByRepetition(baseline);
        int prompts = runs[0].Count;
        PromptReport[] perPrompt = [.. Enumerable.Range(0, prompts).Select(p => Prompt(p, [.. runs.Select(r => r[p])], [.. baseline.Select(r => r[p])]))];
        double cpuPerToken = CpuSecondsPerToken(all);
        double baselineCpuPerToken = CpuSecondsPerToken(baseline.SelectMany(r => r));
        (double[] Alpha, int[] Evaluated) byContext = ContextPositionCounts.Alpha(all);
        long grammar = all.Sum(s => (long)s.GrammarTokens);
        long generated = all.Sum(s => (long)s.GeneratedTokens);
        return new ModeReport
        {
            Name = plan.Name,
            Proposer = plan.Proposer?.Name,
            DraftTokens = plan.DraftTokens,
            Adaptive = plan.Adaptive,
            Unconstrained = plan.Unconstrained,
            GrammarTokens = grammar,
            ForcedShare = generated == 0 ? 0 : grammar / (double)generated,
            Alpha = Alpha(all),
            AlphaByPosition = AlphaByPosition(all),
            AlphaByContextPosition = byContext.Alpha,
            JudgedByContextPosition = byContext.Evaluated,
            ContextBucketWidth = ContextPositionCounts.BucketWidth(all.Max(s => s.ContextLength)),
            MeanAcceptedLength = MeanAcceptedLength(all),
            TargetPassesPerToken = PassesPerToken(all),
            DecodeTokensPerSecond = Summary.Median(rates),
            DecodeTokensPerSecondMin = rates.Min(),
            DecodeTokensPerSecondMax = rates.Max(),
            TimeToFirstTokenMilliseconds = Summary.Tail(all.Select(s => s.TimeToFirstToken.TotalMilliseconds)),
            TimePerOutputTokenMilliseconds = Summary.Tail(all.Select(s => s.TimePerOutputToken.TotalMilliseconds)),
            Speedup = Throughput.PairedSpeedup(rates, baselineRates),
            SpeedupMin = rates.Zip(baselineRates, (x, y) => x / y).Min(),
            SpeedupMax = rates.Zip(baselineRates, (x, y) => x / y).Max(),
            SpeedupAcrossPrompts = new Spread(
                Summary.Percentile(perPrompt.Select(p => p.Speedup), 10), Summary.Median(perPrompt.Select(p => p.Speedup)), Summary.Percentile(perPrompt.Select(p => p.Speedup), 90)),
            CpuSecondsPerThousandTokens = cpuPerToken * 1000,
            CostPerMillionTokens = pricePerCoreHour is double price ? cpuPerToken * 1e6 * price / 3600 : null,
            CpuSaving = baselineCpuPerToken > 0 ? 1 - (cpuPerToken / baselineCpuPerToken) : 0,
            PerPrompt = perPrompt,
        };
    }

    private static PromptReport Prompt(int index, GenerationSample[] runs, GenerationSample[] baseline) => new(
        index,
        Alpha(runs),
        MeanAcceptedLength(runs),
        PassesPerToken(runs),
        Summary.Median(runs.Select(s => s.DecodeTokensPerSecond)),
        Summary.Median(runs.Zip(baseline, (s, b) => b.DecodeTokensPerSecond > 0 ? s.DecodeTokensPerSecond / b.DecodeTokensPerSecond : 0)),
        Summary.Median(runs.Select(s => s.TimeToFirstToken.TotalMilliseconds)));

    private static double Alpha(IReadOnlyCollection<GenerationSample> samples)
    {
        long evaluated = samples.Sum(s => (long)s.EvaluatedTokens);
        return evaluated == 0 ? 0 : samples.Sum(s => (long)s.AcceptedTokens) / (double)evaluated;
    }

    private static double[] AlphaByPosition(IReadOnlyCollection<GenerationSample> samples)
    {
        int positions = samples.Max(s => s.EvaluatedByPosition.Count);
        return [.. Enumerable.Range(0, positions).Select(i =>
        {
            long judged = samples.Sum(s => i < s.EvaluatedByPosition.Count ? (long)s.EvaluatedByPosition[i] : 0);
            long accepted = samples.Sum(s => i < s.AcceptedByPosition.Count ? (long)s.AcceptedByPosition[i] : 0);
            return judged == 0 ? double.NaN : accepted / (double)judged;
        })];
    }

    private static double MeanAcceptedLength(IReadOnlyCollection<GenerationSample> samples)
    {
        long rounds = samples.Sum(s => (long)s.DraftRounds);
        return rounds == 0 ? 0 : samples.Sum(s => (long)s.AcceptedTokens) / (double)rounds;
    }

    private static double PassesPerToken(IReadOnlyCollection<GenerationSample> samples) =>
        samples.Sum(s => (long)s.TargetCalls) / (double)Math.Max(1, samples.Sum(s => (long)s.GeneratedTokens));

    private static double CpuSecondsPerToken(IEnumerable<GenerationSample> samples)
    {
        double seconds = 0;
        long tokens = 0;
        foreach (GenerationSample sample in samples)
        {
            seconds += sample.CpuTime.TotalSeconds;
            tokens += sample.GeneratedTokens;
        }

        return tokens == 0 ? 0 : seconds / tokens;
    }
}
