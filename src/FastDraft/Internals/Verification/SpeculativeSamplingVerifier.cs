using FastDraft.Internals.Sampling;

namespace FastDraft.Internals.Verification;

/// <summary>
/// Speculative sampling (Leviathan et al. 2023; Chen et al. 2023): drafted token x, drawn from q,
/// is accepted with probability min(1, p(x)/q(x)); at the first rejection the replacement is drawn
/// from normalize(max(0, p − q)); when every drafted token is accepted a bonus token is drawn from p
/// at the next position. Every emitted token is then distributed exactly as p, whatever q is.
/// </summary>
/// <remarks>
/// p and q are the processed distributions (same processors, same context). A draft without a
/// distribution proposes with certainty (q = 1 on its token): acceptance is then p(x), and the
/// residual is p without x; a chain may mix both, position by position (a combined draft's lookup tokens and model
/// tokens), each judged with the q it was proposed from. p(x) = 0 rejects x always; top-k/top-p truncation only zeroes entries
/// of p and q, which the formulas handle as they are.
/// </remarks>
internal static class SpeculativeSamplingVerifier
{
    public static Verdict Verify(IModelSession target, ReadOnlySpan<int> context, int length, int drafted, DraftSampler draft, TokenSampler sampler)
    {
        bool pointMasses = draft.Count == 0;
        for (int i = 0; i < drafted; i++)
        {
            ReadOnlySpan<float> p = sampler.TargetDistribution(target.GetLogits(i), context[..(length + i)]);
            int token = context[length + i];
            bool certain = pointMasses || i < draft.Forced || draft.IsCertain(i - draft.Forced); // forced and lookup tokens are point masses, a draft model's have q
            float q = certain ? 1f : draft.Distribution(i - draft.Forced)[token];

            // Accept when u < p/q, written without the division (q > 0: the token was drawn from q).
            if (sampler.NextUniform() * q < p[token])
            {
                continue;
            }

            int replacement = certain ? sampler.DrawResidualWithout(p, token) : sampler.DrawResidual(p, draft.Distribution(i - draft.Forced));
            return new Verdict(i, replacement);
        }

        ReadOnlySpan<float> bonus = sampler.TargetDistribution(target.GetLogits(drafted), context[..(length + drafted)]);
        return new Verdict(drafted, sampler.Draw(bonus));
    }
}
