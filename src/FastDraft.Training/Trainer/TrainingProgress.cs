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
