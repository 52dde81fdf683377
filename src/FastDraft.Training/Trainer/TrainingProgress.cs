namespace FastDraft.Training;

/// <summary>One optimizer step's report.</summary>
/// <param name="Step">Optimizer steps completed (1-based: the step just taken).</param>
/// <param name="Horizon">The schedule's last step (0 while a time-budgeted run has not estimated it yet).</param>
/// <param name="Loss">The step's mean loss over its counted positions (all micro-batches).</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="GradientNorm">The global gradient norm before clipping.</param>
/// <param name="TokensPerSecond">Training tokens per second since this run (or resume) started.</param>
/// <param name="Elapsed">Training time so far, across resumes.</param>
/// <param name="EstimatedRemaining">The estimated time to the end of the run.</param>
/// <param name="HeldOutBitsPerToken">Held-out cross-entropy in bits per token when evaluated at this step, else <see langword="null"/>.</param>
public readonly record struct TrainingProgress(
    long Step,
    long Horizon,
    double Loss,
    double LearningRate,
    double GradientNorm,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan EstimatedRemaining,
    double? HeldOutBitsPerToken);

/// <summary>Why a training run ended.</summary>
public enum TrainingStopReason
{
    /// <summary>The schedule's last step was taken.</summary>
    Completed,

    /// <summary>The time budget ran out first.</summary>
    TimeBudgetReached,
}

/// <summary>The outcome of <see cref="DraftTrainer.RunAsync"/>.</summary>
/// <param name="Steps">Optimizer steps completed in total.</param>
/// <param name="FinalLoss">The last step's loss (NaN when no step ran).</param>
/// <param name="HeldOutBitsPerToken">The final held-out bits per token, when an evaluation set was given.</param>
/// <param name="TokensSeen">Training tokens consumed in total.</param>
/// <param name="Elapsed">Training time in total, across resumes.</param>
/// <param name="StopReason">Why the run ended.</param>
public sealed record TrainingResult(long Steps, double FinalLoss, double? HeldOutBitsPerToken, long TokensSeen, TimeSpan Elapsed, TrainingStopReason StopReason);
