namespace FastDraft.Evaluation;

/// <summary>
/// The standard model of speculative decoding's speed-up (Leviathan et al., 2023): with acceptance rate α,
/// K drafted tokens per round, a draft step costing c target steps and a verification pass of K + 1 tokens
/// costing v(K) target steps, the speed-up over target-only decoding is E(α, K) / (K·c + v(K)).
/// </summary>
public static class SpeedupModel
{
    /// <summary>E(α, K) = (1 − α^(K+1)) / (1 − α): the expected tokens per round with K drafted tokens (K + 1 at α = 1).</summary>
    /// <param name="alpha">The acceptance rate, in [0, 1].</param>
    /// <param name="draftTokens">K, at least 0.</param>
    /// <returns>The expected tokens per round.</returns>
    public static double ExpectedTokensPerRound(double alpha, int draftTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(draftTokens);
        return alpha >= 1 ? draftTokens + 1 : (1 - Math.Pow(alpha, draftTokens + 1)) / (1 - alpha);
    }

    /// <summary>Returns the predicted speed-up E(α, K) / (K·c + v(K)).</summary>
    /// <param name="alpha">The acceptance rate α.</param>
    /// <param name="draftTokens">K.</param>
    /// <param name="draftCost">c: one draft step, in target steps.</param>
    /// <param name="passCost">v(K): one verification pass of K + 1 tokens, in target steps.</param>
    /// <returns>The predicted speed-up over target-only decoding.</returns>
    public static double Predicted(double alpha, int draftTokens, double draftCost, double passCost) =>
        ExpectedTokensPerRound(alpha, draftTokens) / ((draftTokens * draftCost) + passCost);
}
