namespace FastDraft;

/// <summary>
/// Adjusts the logits of the next token before they become probabilities: a bias, a constraint, a
/// penalty. Applied, like the built-in processors, identically to the target's and the draft's
/// logits, which is what keeps speculative sampling exact.
/// </summary>
/// <remarks>
/// Must be a pure function of its arguments: it is called for the target and the draft, possibly
/// several times for the same position, and from whichever thread runs the generation. Set a logit
/// to <see cref="float.NegativeInfinity"/> to forbid a token. Runs after the repetition and presence
/// penalties and before temperature, top-k, top-p and min-p.
/// </remarks>
public interface ILogitsProcessor
{
    /// <summary>Adjusts <paramref name="logits"/> in place for the token that follows <paramref name="context"/>.</summary>
    /// <param name="logits">One score per vocabulary entry.</param>
    /// <param name="context">The prompt, the tokens generated so far, and any drafted tokens before this position.</param>
    void Process(Span<float> logits, ReadOnlySpan<int> context);
}
