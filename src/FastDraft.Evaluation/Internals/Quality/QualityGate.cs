namespace FastDraft.Evaluation;

/// <summary>
/// Checks that speculative decoding changed nothing but speed. Greedy: every speculative output equals
/// target-only's in the same repetition, token for token. Sampling: for each speculative mode, the
/// target's mean log-probability of the generated tokens, paired with target-only's by prompt and
/// repetition, differs by an amount whose confidence interval contains 0 (exact speculative sampling
/// draws from the target's own distribution, so the two agree in expectation).
/// </summary>
internal static class QualityGate
{
    /// <summary>At most this many greedy differences get a margin and a line in the report; the rest are counted.</summary>
    private const int ListedDifferences = 50;

    /// <summary>Tokens scored per pass: a verification-sized block, which every target takes in one pass.</summary>
    private const int ScoringChunk = SpeculativeOptions.MaxDraftTokens;

    /// <summary>Checks each group's speculative modes against the group's own baseline (a constrained group against constrained target-only).</summary>
    public static QualityGateReport Check(
        ITargetModel target, MeasurementSet set, IReadOnlyList<QualityGroup> groups,
        IReadOnlyList<int[]> prompts, EvaluationOptions options, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken) =>
        options.Temperature > 0
            ? Sampling(target, set, groups, prompts, options, progress, cancellationToken)
            : Greedy(target, set, groups, prompts, cancellationToken);

    internal static QualityGateReport Greedy(
        ITargetModel target, MeasurementSet set, IMeasuredMode baseline, IReadOnlyList<IMeasuredMode> speculative, IReadOnlyList<int[]> prompts, CancellationToken cancellationToken) =>
        Greedy(target, set, [new QualityGroup(baseline, speculative)], prompts, cancellationToken);

    private static QualityGateReport Greedy(
        ITargetModel target, MeasurementSet set, IReadOnlyList<QualityGroup> groups, IReadOnlyList<int[]> prompts, CancellationToken cancellationToken)
    {
        var differences = new List<OutputDifference>();
        int count = 0, compared = 0;
        void Compare(string mode, int prompt, int repetition, IReadOnlyList<int> reference, IReadOnlyList<int> actual)
        {
            int at = FirstDifference(reference, actual);
            if (at < 0)
            {
                return;
            }

            count++;
            if (differences.Count < ListedDifferences)
            {
                double margin = at < reference.Count ? TopTwoMargin(target, prompts[prompt], reference, at, cancellationToken) : double.NaN;
                differences.Add(new OutputDifference(mode, prompt, repetition, at, at < reference.Count ? reference[at] : -1, at < actual.Count ? actual[at] : -1, margin));
            }
        }

        foreach ((IMeasuredMode baseline, IReadOnlyList<IMeasuredMode> speculative) in groups)
        {
            IReadOnlyList<IReadOnlyList<GenerationSample>> expected = set.For(baseline);
            for (int r = 0; r < expected.Count; r++)
            {
                for (int p = 0; p < prompts.Count; p++)
                {
                    IReadOnlyList<int> reference = Tokens(expected[r][p]);
                    if (r > 0)
                    {
                        Compare(baseline.Name, p, r, Tokens(expected[0][p]), reference); // greedy target-only must repeat itself
                    }

                    foreach (IMeasuredMode mode in speculative)
                    {
                        compared++;
                        Compare(mode.Name, p, r, reference, Tokens(set.For(mode)[r][p]));
                    }
                }
            }
        }

        return new QualityGateReport { Passed = count == 0, Compared = compared, DifferenceCount = count, Differences = differences };
    }

    private static QualityGateReport Sampling(
        ITargetModel target, MeasurementSet set, IReadOnlyList<QualityGroup> groups,
        IReadOnlyList<int[]> prompts, EvaluationOptions options, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        IMeasuredMode[] all = [.. groups.SelectMany(g => g.Speculative.Prepend(g.Baseline))];
        int speculativeCount = groups.Sum(g => g.Speculative.Count);
        int repetitions = set.For(groups[0].Baseline).Count;
        int total = all.Length * repetitions * prompts.Count, done = 0;
        var scores = new Dictionary<IMeasuredMode, double[]>();
        foreach (IMeasuredMode mode in all)
        {
            var perGeneration = new double[repetitions * prompts.Count];
            for (int r = 0; r < repetitions; r++)
            {
                for (int p = 0; p < prompts.Count; p++)
                {
                    perGeneration[(r * prompts.Count) + p] = MeanLogProbability(target, prompts[p], Tokens(set.For(mode)[r][p]), options.Temperature, cancellationToken);
                    progress?.Report(new EvaluationProgress("quality", $"scoring {mode.Name}", (double)++done / total, TimeSpan.Zero));
                }
            }

            scores[mode] = perGeneration;
        }

        // Bonferroni: each interval at 1 − (1 − confidence) / modes keeps the chance that a correct
        // implementation fails any of them below 1 − confidence.
        double level = 1 - ((1 - options.QualityConfidence) / Math.Max(1, speculativeCount));
        var comparisons = groups.SelectMany(g => g.Speculative.Select(mode =>
        {
            double[] reference = scores[g.Baseline];
            double[] own = scores[mode];
            ConfidenceInterval difference = Summary.MeanInterval(own.Zip(reference, (a, b) => a - b), level);
            return new LogProbabilityComparison(mode.Name, reference.Average(), own.Average(), difference, difference.Contains(0));
        })).ToList();
        return new QualityGateReport { Passed = comparisons.All(c => c.Agrees), Sampled = true, Compared = speculativeCount * repetitions * prompts.Count, LogProbabilities = comparisons };
    }

    private static IReadOnlyList<int> Tokens(GenerationSample sample) =>
        sample.Tokens ?? throw new InvalidOperationException("The quality gate needs the generated tokens: measure the modes with keepTokens.");

    private static int FirstDifference(IReadOnlyList<int> expected, IReadOnlyList<int> actual)
    {
        int shared = Math.Min(expected.Count, actual.Count);
        for (int i = 0; i < shared; i++)
        {
            if (expected[i] != actual[i])
            {
                return i;
            }
        }

        return expected.Count == actual.Count ? -1 : shared;
    }

    /// <summary>The target's logit margin between its two most likely tokens after the prompt and <paramref name="length"/> generated tokens.</summary>
    internal static double TopTwoMargin(ITargetModel target, int[] prompt, IReadOnlyList<int> generated, int length, CancellationToken cancellationToken)
    {
        int[] context = [.. prompt, .. generated.Take(length)];
        using IModelSession session = target.CreateSession(context.Length);
        session.Append(context, cancellationToken);
        ReadOnlySpan<float> logits = session.GetLogits(context.Length - 1);
        float first = float.NegativeInfinity, second = float.NegativeInfinity;
        foreach (float logit in logits)
        {
            if (logit > first)
            {
                second = first;
                first = logit;
            }
            else if (logit > second)
            {
                second = logit;
            }
        }

        return first - second;
    }

    /// <summary>The target's mean log-probability per generated token, under softmax(logits / temperature), teacher-forced in verification-sized passes.</summary>
    internal static double MeanLogProbability(ITargetModel target, int[] prompt, IReadOnlyList<int> generated, float temperature, CancellationToken cancellationToken)
    {
        int[] tokens = [.. generated];
        if (tokens.Length == 0)
        {
            return 0;
        }

        using IModelSession session = target.CreateSession(prompt.Length + tokens.Length);
        session.Append(prompt, cancellationToken);
        double sum = LogProbability(session.GetLogits(prompt.Length - 1), tokens[0], temperature);
        for (int start = 0; start < tokens.Length - 1; start += ScoringChunk)
        {
            int count = Math.Min(ScoringChunk, tokens.Length - 1 - start);
            session.Append(tokens.AsSpan(start, count), cancellationToken);
            for (int j = 0; j < count; j++)
            {
                sum += LogProbability(session.GetLogits(j), tokens[start + j + 1], temperature);
            }
        }

        return sum / tokens.Length;
    }

    private static double LogProbability(ReadOnlySpan<float> logits, int token, float temperature)
    {
        float max = float.NegativeInfinity;
        foreach (float logit in logits)
        {
            max = Math.Max(max, logit);
        }

        double sum = 0;
        foreach (float logit in logits)
        {
            sum += Math.Exp((logit - max) / (double)temperature);
        }

        return ((logits[token] - max) / (double)temperature) - Math.Log(sum);
    }
}
