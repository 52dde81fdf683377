using System.Numerics.Tensors;
using FastDraft.Evaluation;

namespace FastDraft.Training;

/// <summary>Measures greedy acceptance (α) of drafts against a target.</summary>
public static class AlphaEvaluator
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
    public static AlphaReport Measure(ITargetModel draft, IReadOnlyList<ReferenceContinuation> references, CancellationToken cancellationToken = default)
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

        return new AlphaReport(positions == 0 ? 0 : (double)matches / positions, early == 0 ? 0 : (double)earlyMatches / early, positions, perPass, byContext, context);
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
