using System.Numerics.Tensors;

namespace FastDraft.Verification;

/// <summary>The outcome of verifying one block of drafted tokens.</summary>
/// <param name="Accepted">How many leading drafted tokens the target agreed with.</param>
/// <param name="Next">The target's own token after the accepted ones: a correction, or a bonus when all were accepted.</param>
internal readonly record struct Verdict(int Accepted, int Next);

/// <summary>
/// Greedy verification: a drafted token is accepted when it is the target's argmax at its
/// position. Rows are read lazily and verification stops at the first mismatch, so logits after
/// it are never touched (nor converted from fp16).
/// </summary>
internal static class GreedyVerifier
{
    /// <summary>The index of the largest logit; ties go to the lowest index, as in every greedy decoder we compare with.</summary>
    public static int Argmax(ReadOnlySpan<float> logits) => TensorPrimitives.IndexOfMax(logits);

    /// <summary>
    /// Verifies <paramref name="drafted"/> against a target that has just run over the pending
    /// token followed by the drafted tokens (row i holds the logits after the pending token and the first i drafts).
    /// </summary>
    public static Verdict Verify(IModelSession target, ReadOnlySpan<int> drafted)
    {
        for (int i = 0; i < drafted.Length; i++)
        {
            int choice = Argmax(target.GetLogits(i));
            if (choice != drafted[i])
            {
                return new Verdict(i, choice);
            }
        }

        return new Verdict(drafted.Length, Argmax(target.GetLogits(drafted.Length)));
    }
}
