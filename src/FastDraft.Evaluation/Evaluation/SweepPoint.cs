namespace FastDraft.Evaluation;

/// <summary>One point of the K sweep: the measured speed-up beside the predicted E(α,K)/(K·c + v(K)).</summary>
/// <param name="Proposer">The proposer.</param>
/// <param name="DraftTokens">K.</param>
/// <param name="Alpha">α measured at this K.</param>
/// <param name="DraftCost">c(K), in target steps (median over the repetitions).</param>
/// <param name="PassCost">v(K), in target steps (median over the repetitions).</param>
/// <param name="Predicted">The predicted speed-up: per repetition from that repetition's c and v, then the median.</param>
/// <param name="Measured">The measured speed-up (<see cref="ModeReport.Speedup"/>).</param>
public readonly record struct SweepPoint(string Proposer, int DraftTokens, double Alpha, double DraftCost, double PassCost, double Predicted, double Measured);
