using System.Numerics.Tensors;
using FastDraft.Internals.Sampling;

namespace FastDraft.Internals.Verification;

/// <summary>
/// Greedy verification: a drafted token is accepted when it is the target's (processed) argmax at
/// its position. Rows are read lazily and verification stops at the first mismatch, so logits after
/// it are never touched (nor converted from fp16).
/// </summary>
internal static class GreedyVerifier
{
    /// <summary>The index of the largest logit; ties go to the lowest index, as in every greedy decoder we compare with.</summary>
    public static int Argmax(ReadOnlySpan<float> logits) => TensorPrimitives.IndexOfMax(logits);

    /// <summary>
    /// Verifies the <paramref name="drafted"/> tokens that follow the first <paramref name="length"/>
    /// tokens of <paramref name="context"/>, against a target that has just run over the last of
    /// those (the pending token) and the drafted tokens: its row i holds the logits after the pending
    /// token and the first i drafted ones.
    /// </summary>
    public static Verdict Verify(IModelSession target, ReadOnlySpan<int> context, int length, int drafted, TokenSampler sampler)
    {
        for (int i = 0; i < drafted; i++)
        {
            int choice = sampler.Argmax(target.GetLogits(i), context[..(length + i)]);
            if (choice != context[length + i])
            {
                return new Verdict(i, choice);
            }
        }

        return new Verdict(drafted, sampler.Argmax(target.GetLogits(drafted), context[..(length + drafted)]));
    }
}
