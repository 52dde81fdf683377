namespace FastDraft.Evaluation;

/// <summary>The mean time of one target pass and of one draft step in a timed cycle, in milliseconds.</summary>
/// <param name="PassMilliseconds">One pass of the cycle's block of tokens through the model.</param>
/// <param name="DraftStepMilliseconds">One single-token draft step after it (0 without draft steps).</param>
public readonly record struct CycleTime(double PassMilliseconds, double DraftStepMilliseconds);
