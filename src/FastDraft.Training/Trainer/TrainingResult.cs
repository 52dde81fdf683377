namespace FastDraft.Training;

/// <summary>The outcome of <see cref="DraftTrainer.RunAsync"/>.</summary>
/// <param name="Steps">Optimizer steps completed in total.</param>
/// <param name="FinalLoss">The last step's loss (NaN when no step ran).</param>
/// <param name="HeldOutBitsPerToken">The final held-out bits per token, when an evaluation set was given.</param>
/// <param name="TokensSeen">Training tokens consumed in total.</param>
/// <param name="Elapsed">Training time in total, across resumes.</param>
/// <param name="StopReason">Why the run ended.</param>
public sealed record TrainingResult(long Steps, double FinalLoss, double? HeldOutBitsPerToken, long TokensSeen, TimeSpan Elapsed, TrainingStopReason StopReason);
