namespace FastDraft.Tests.Sampling;

/// <summary>Known ways speculative sampling has been implemented wrongly.</summary>
internal enum SamplingFault
{
    /// <summary>Correct behaviour.</summary>
    None,

    /// <summary>The draft samples from its processed distribution, but verification uses q without the processors (softmax of the raw logits).</summary>
    UnprocessedDraftDistribution,

    /// <summary>After a rejection, the replacement is drawn from p instead of the residual max(0, p − q).</summary>
    ReplacementFromTarget,
}

/// <summary>
/// A plain speculative sampler, written in the test project so that known implementation errors can
/// be injected into it without the library carrying a switch for them: the statistical test that
/// checks the library's generator must catch these errors here. Distributions come from
/// <see cref="ReferenceSampling"/>; each proposal is judged as soon as it is drawn, which gives the same
/// joint distribution as drafting the whole round first (a proposal depends only on the earlier ones,
/// its judgement only on itself).
/// </summary>
internal sealed class FaultySpeculativeSampler(
    Func<int[], float[]> targetLogits,
    Func<int[], float[]> draftLogits,
    GenerationOptions options,
    int draftTokens,
    SamplingFault fault)
{
    /// <summary>Generates the first <paramref name="count"/> tokens after <paramref name="prompt"/>.</summary>
    /// <param name="prompt">The prompt.</param>
    /// <param name="count">The number of tokens (at least 2).</param>
    /// <param name="random">The source of every draw.</param>
    /// <param name="secondAccepted">Whether the second token was a draft proposal the target accepted.</param>
    /// <returns>The tokens.</returns>
    public int[] FirstTokens(int[] prompt, int count, Random random, out bool secondAccepted)
    {
        var tokens = new List<int> { Draw(P(prompt), random) };
        secondAccepted = false;
        while (tokens.Count < count)
        {
            bool rejected = false;
            for (int k = 0; k < draftTokens && tokens.Count < count && !rejected; k++)
            {
                int[] context = [.. prompt, .. tokens];
                double[] q = ReferenceSampling.Distribution(draftLogits(context), context, options);
                double[] judgedQ = fault == SamplingFault.UnprocessedDraftDistribution ? Softmax(draftLogits(context)) : q;
                double[] p = P(context);
                int proposal = Draw(q, random);
                if (random.NextDouble() < Math.Min(1, p[proposal] / judgedQ[proposal]))
                {
                    secondAccepted |= tokens.Count == 1;
                    tokens.Add(proposal);
                    continue;
                }

                tokens.Add(fault == SamplingFault.ReplacementFromTarget ? Draw(p, random) : Draw(Residual(p, judgedQ), random, fallback: p));
                rejected = true;
            }

            if (!rejected && tokens.Count < count)
            {
                tokens.Add(Draw(P([.. prompt, .. tokens]), random)); // every proposal accepted: the target's bonus token
            }
        }

        return [.. tokens.Take(count)];
    }

    private double[] P(int[] context) => ReferenceSampling.Distribution(targetLogits(context), context, options);

    private static double[] Residual(double[] p, double[] q) => [.. p.Select((value, i) => Math.Max(0, value - q[i]))];

    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        double[] e = [.. logits.Select(v => Math.Exp(v - max))];
        double sum = e.Sum();
        return [.. e.Select(v => v / sum)];
    }

    /// <summary>Draws from a distribution (normalised here), or from <paramref name="fallback"/> when it has no mass.</summary>
    private static int Draw(double[] weights, Random random, double[]? fallback = null)
    {
        double total = weights.Sum();
        if (total <= 0)
        {
            return Draw(fallback!, random);
        }

        double target = random.NextDouble() * total;
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] > 0)
            {
                cumulative += weights[i];
                last = i;
                if (cumulative > target)
                {
                    return i;
                }
            }
        }

        return last;
    }
}
