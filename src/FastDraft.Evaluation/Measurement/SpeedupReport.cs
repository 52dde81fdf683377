namespace FastDraft.Evaluation;

/// <summary>
/// The greedy decode speed-up of one draft, as <see cref="SpeedupMeasurement"/> measured it: the same statistic and
/// the same exactness check as <see cref="PairEvaluator"/>'s, so a recipe's figure and an <c>eval</c> figure mean one thing.
/// </summary>
/// <param name="TargetOnlyTokensPerSecond">Target-only decode tokens per second: the median over repetitions of each repetition's pooled rate.</param>
/// <param name="SpeculativeTokensPerSecond">Speculative decode tokens per second, the same way.</param>
/// <param name="Speedup">The paired speed-up: the ratio of the two rates repetition by repetition, then the median (<see cref="Throughput.PairedSpeedup"/>).</param>
/// <param name="AcceptanceRate">Drafted tokens the target accepted ÷ drafted tokens, speculative runs.</param>
/// <param name="Quality">The greedy quality gate: every speculative output against target-only's in the same repetition, token for token.</param>
public sealed record SpeedupReport(double TargetOnlyTokensPerSecond, double SpeculativeTokensPerSecond, double Speedup, double AcceptanceRate, QualityGateReport Quality)
{
    /// <summary>Gets a value indicating whether every speculative output equalled target-only's token for token (the quality gate passed).</summary>
    public bool IdenticalOutputs => Quality.Passed;
}
