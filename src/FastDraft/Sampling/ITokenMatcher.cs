namespace FastDraft;

/// <summary>One generation's view of an <see cref="ITokenConstraint"/>.</summary>
/// <remarks>
/// Both methods are pure functions of the generated tokens (the tokens after the prompt): they are
/// called for the target and the draft, for positions in any order, and after rejected drafts are
/// rolled back. An implementation may cache by prefix, but must answer as if computed afresh.
/// </remarks>
public interface ITokenMatcher
{
    /// <summary>Sets the logit of every token that may not follow <paramref name="generated"/> to <see cref="float.NegativeInfinity"/>.</summary>
    /// <param name="logits">One score per vocabulary entry.</param>
    /// <param name="generated">The tokens generated so far (drafted ones included), without the prompt.</param>
    void Mask(Span<float> logits, ReadOnlySpan<int> generated);

    /// <summary>
    /// Writes the tokens the constraint forces after <paramref name="generated"/>: each the only
    /// token allowed after the generated ones and those before it.
    /// </summary>
    /// <param name="generated">The tokens generated so far, without the prompt.</param>
    /// <param name="destination">Receives the forced tokens; its length is the most wanted.</param>
    /// <returns>The number of tokens written, 0 when more than one token may follow.</returns>
    int GetForcedTokens(ReadOnlySpan<int> generated, Span<int> destination);
}
