using System.Globalization;
using System.Numerics.Tensors;
using FastDraft.Evaluation;

namespace FastDraft.Training;

/// <summary>The target's own greedy continuation of one held-out prompt: the path a draft is measured along.</summary>
/// <param name="Prompt">The prompt's tokens.</param>
/// <param name="Continuation">The target's greedy continuation.</param>
public sealed record ReferenceContinuation(int[] Prompt, int[] Continuation);

/// <summary>
/// Greedy acceptance of a draft, teacher-forced along the target's own greedy continuations: at every position the
/// draft's argmax is compared with the target's token. The match indicators also give an exact simulation of
/// greedy speculative decoding (tokens emitted per target pass at a fixed draft length K).
/// </summary>
/// <param name="Alpha">Share of positions where the draft's argmax equals the target's token.</param>
/// <param name="AlphaFirst32">The same over the first 32 continuation positions of every prompt.</param>
/// <param name="Positions">Positions measured.</param>
/// <param name="TokensPerTargetPass">Simulated tokens emitted per target pass, keyed by K (2, 4 and 8).</param>
/// <param name="ByContextPosition">α by where in the context the predicted token sits: eight equal buckets up to the context length (empty buckets have no positions).</param>
/// <param name="ContextLength">The context the buckets divide (the draft's).</param>
public sealed record AcceptanceReport(double Alpha, double AlphaFirst32, int Positions, IReadOnlyDictionary<int, double> TokensPerTargetPass, IReadOnlyList<ContextPositionAlpha> ByContextPosition, int ContextLength)
{
    /// <summary>Gets α over the positions in the first half of the context (NaN when none was measured there).</summary>
    public double AlphaFirstHalf => AlphaBetween(0, ContextLength / 2);

    /// <summary>Gets α over the positions in the last quarter of the context (NaN when none was measured there).</summary>
    public double AlphaLastQuarter => AlphaBetween(ContextLength - (ContextLength / 4), ContextLength);

    /// <summary>
    /// Gets a warning when α in the last quarter of the context falls more than 0.05 below α in its first half (a draft
    /// that was not trained on, or does not generalise to, the later positions); <see langword="null"/> otherwise.
    /// </summary>
    public string? LateContextWarning =>
        AlphaFirstHalf - AlphaLastQuarter > 0.05
            ? string.Create(CultureInfo.InvariantCulture, $"α falls from {AlphaFirstHalf:F3} in the first half of the context to {AlphaLastQuarter:F3} in its last quarter (positions {ContextLength - (ContextLength / 4)}–{ContextLength}): the draft does not hold up late in the context; train it on windows as long as the context.")
            : null;

    private double AlphaBetween(int start, int end)
    {
        long matched = 0, counted = 0;
        foreach (ContextPositionAlpha bucket in ByContextPosition)
        {
            if (bucket.Start >= start && bucket.End <= end)
            {
                matched += bucket.Matches;
                counted += bucket.Positions;
            }
        }

        return counted == 0 ? double.NaN : (double)matched / counted;
    }
}

/// <summary>Greedy acceptance over one range of context positions.</summary>
/// <param name="Start">The first context position (of the predicted token) in the bucket.</param>
/// <param name="End">One past the last.</param>
/// <param name="Positions">Positions measured in the bucket.</param>
/// <param name="Matches">Positions where the draft's argmax was the target's token.</param>
public sealed record ContextPositionAlpha(int Start, int End, int Positions, int Matches)
{
    /// <summary>Gets the share of matches (NaN for an empty bucket).</summary>
    public double Alpha => Positions == 0 ? double.NaN : (double)Matches / Positions;
}

/// <summary>Measures greedy acceptance (α) of drafts against a target.</summary>
public static class AcceptanceEvaluator
{
    private static readonly int[] SimulatedDraftLengths = [2, 4, 8];

    /// <summary>
    /// Picks held-out prompts whose continuations cover the whole context: prompt <c>i</c> of <paramref name="count"/> is
    /// cut at a seeded position of <paramref name="tokens"/> with a length spread evenly from 16 (or less in a short
    /// context) to <paramref name="contextLength"/> − <paramref name="continuationLength"/>, or to the stream's length
    /// less one when the stream is shorter (the later buckets of the report then stay empty).
    /// </summary>
    /// <param name="tokens">The held-out token stream.</param>
    /// <param name="count">How many prompts.</param>
    /// <param name="contextLength">The target's context.</param>
    /// <param name="continuationLength">The tokens each prompt will be continued by.</param>
    /// <param name="seed">The seed of the cut positions.</param>
    /// <returns>The prompts, shortest first.</returns>
    public static IReadOnlyList<int[]> SpreadPrompts(ReadOnlySpan<int> tokens, int count, int contextLength, int continuationLength, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(continuationLength, 1);
        int longest = contextLength - continuationLength;
        if (longest < 1)
        {
            throw new ArgumentException($"A continuation of {continuationLength} tokens leaves no room for a prompt in a context of {contextLength}.", nameof(continuationLength));
        }

        if (tokens.Length < 2)
        {
            throw new ArgumentException($"The held-out stream holds {tokens.Length} tokens; prompts need at least 2. Hold out a larger share of the corpus.", nameof(tokens));
        }

        longest = Math.Min(longest, tokens.Length - 1);

        int shortest = Math.Min(16, longest);
        var random = new SplitMix64(seed, "held-out-prompts");
        var prompts = new List<int[]>(count);
        for (int i = 0; i < count; i++)
        {
            int length = count == 1 ? longest : shortest + (int)((long)(longest - shortest) * i / (count - 1));
            prompts.Add(tokens.Slice(random.NextInt(tokens.Length - length + 1), length).ToArray());
        }

        return prompts;
    }

    /// <summary>Continues every prompt greedily with the target alone (the library's generator, end-of-sequence ignored).</summary>
    /// <param name="target">The target; not disposed.</param>
    /// <param name="prompts">Held-out prompts.</param>
    /// <param name="continuationLength">Tokens per continuation.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>One reference per prompt.</returns>
    public static async Task<IReadOnlyList<ReferenceContinuation>> CreateReferencesAsync(ITargetModel target, IEnumerable<int[]> prompts, int continuationLength, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfLessThan(continuationLength, 1);
        var generator = new SpeculativeGenerator(target);
        var options = new GenerationOptions { MaxNewTokens = continuationLength, IgnoreEndOfSequence = true };
        var references = new List<ReferenceContinuation>();
        foreach (int[] prompt in prompts)
        {
            GenerationResult result = await generator.GenerateToListAsync(prompt, options, cancellationToken).ConfigureAwait(false);
            references.Add(new ReferenceContinuation(prompt, result.Ids));
        }

        return references;
    }

    /// <summary>Measures a draft model along the references in one teacher-forced pass per prompt.</summary>
    /// <param name="draft">The draft model (it must return logits for every position); not disposed.</param>
    /// <param name="references">The target's greedy continuations.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>α and the simulated tokens per target pass.</returns>
    public static AcceptanceReport Measure(ITargetModel draft, IReadOnlyList<ReferenceContinuation> references, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(references);
        if (!draft.Info.SupportsVerification)
        {
            throw new ArgumentException($"The draft returns logits for the last position only ({draft.Info.VerificationUnsupportedReason}); teacher-forced measurement needs every position.", nameof(draft));
        }

        int positions = 0, matches = 0, early = 0, earlyMatches = 0;
        int context = draft.Info.ContextLength;
        int width = ContextPositionCounts.BucketWidth(context);
        var bucketPositions = new int[ContextPositionCounts.Buckets];
        var bucketMatches = new int[ContextPositionCounts.Buckets];
        var emitted = new long[SimulatedDraftLengths.Length];
        var passes = new long[SimulatedDraftLengths.Length];
        foreach (ReferenceContinuation reference in references)
        {
            bool[] match = Matches(draft, reference, cancellationToken);
            for (int i = 0; i < match.Length; i++)
            {
                positions++;
                matches += match[i] ? 1 : 0;
                if (i < 32)
                {
                    early++;
                    earlyMatches += match[i] ? 1 : 0;
                }

                // The token predicted at continuation index i sits at context position promptLength + i.
                int bucket = ContextPositionCounts.Bucket(reference.Prompt.Length + i, width);
                bucketPositions[bucket]++;
                bucketMatches[bucket] += match[i] ? 1 : 0;
            }

            for (int j = 0; j < SimulatedDraftLengths.Length; j++)
            {
                (long tokens, long targetPasses) = Simulate(match, SimulatedDraftLengths[j]);
                emitted[j] += tokens;
                passes[j] += targetPasses;
            }
        }

        var perPass = new Dictionary<int, double>();
        for (int j = 0; j < SimulatedDraftLengths.Length; j++)
        {
            perPass[SimulatedDraftLengths[j]] = passes[j] == 0 ? 0 : (double)emitted[j] / passes[j];
        }

        var byContext = new ContextPositionAlpha[ContextPositionCounts.Buckets];
        for (int b = 0; b < byContext.Length; b++)
        {
            (int start, int end) = ContextPositionCounts.Range(b, context);
            byContext[b] = new ContextPositionAlpha(start, end, bucketPositions[b], bucketMatches[b]);
        }

        return new AcceptanceReport(positions == 0 ? 0 : (double)matches / positions, early == 0 ? 0 : (double)earlyMatches / early, positions, perPass, byContext, context);
    }

    /// <summary>Whether the draft's argmax equals the target's token at each continuation position.</summary>
    internal static bool[] Matches(ITargetModel draft, ReferenceContinuation reference, CancellationToken cancellationToken)
    {
        int[] sequence = [.. reference.Prompt, .. reference.Continuation];
        using IModelSession session = draft.CreateSession(sequence.Length);
        bool[] match = new bool[reference.Continuation.Length];
        int promptLength = reference.Prompt.Length;
        TeacherForcing.Run(session, sequence, promptLength - 1, (position, logits) => match[position - promptLength + 1] = TensorPrimitives.IndexOfMax(logits) == sequence[position + 1], cancellationToken);
        return match;
    }

    /// <summary>
    /// Replays greedy speculative decoding at draft length <paramref name="k"/> over known match indicators: each
    /// target pass accepts the run of matches (at most k) and adds one token of its own (the correction, or the bonus).
    /// </summary>
    internal static (long Emitted, long Passes) Simulate(ReadOnlySpan<bool> match, int k)
    {
        long passes = 0;
        int position = 0;
        while (position < match.Length)
        {
            int accepted = 0;
            while (accepted < k && position + accepted < match.Length && match[position + accepted])
            {
                accepted++;
            }

            passes++;
            position += accepted + 1;
        }

        return (match.Length, passes);
    }
}
