namespace FastDraft.Training;

/// <summary>
/// One alignment sequence: a prompt cut from the training corpus and the target's own continuation of it,
/// optionally with the target's top-k distribution at every continuation position.
/// </summary>
/// <param name="Tokens">The prompt's tokens followed by the continuation's.</param>
/// <param name="PromptLength">How many of <see cref="Tokens"/> are prompt.</param>
/// <param name="Kind">How the continuation was decoded.</param>
/// <param name="TopIds">The target's most likely ids per continuation position, [continuation, k] row-major; empty when none were kept.</param>
/// <param name="TopProbabilities">Their probabilities (softmax of the raw logits at temperature 1), same layout as <paramref name="TopIds"/>.</param>
public sealed record AlignmentSequence(int[] Tokens, int PromptLength, ContinuationKind Kind, int[] TopIds, float[] TopProbabilities)
{
    /// <summary>Gets the number of continuation tokens.</summary>
    public int ContinuationLength => Tokens.Length - PromptLength;
}
