using System.Numerics.Tensors;

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
public sealed record AcceptanceReport(double Alpha, double AlphaFirst32, int Positions, IReadOnlyDictionary<int, double> TokensPerTargetPass);

/// <summary>Measures greedy acceptance (α) of drafts against a target.</summary>
public static class AcceptanceEvaluator
{
    private static readonly int[] SimulatedDraftLengths = [2, 4, 8];

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

        return new AcceptanceReport(positions == 0 ? 0 : (double)matches / positions, early == 0 ? 0 : (double)earlyMatches / early, positions, perPass);
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
