namespace FastDraft.Training;

/// <summary>The scalar part of a training checkpoint.</summary>
/// <param name="Fingerprint">The hash of the layout and the options that shape the run (<see cref="TrainingOptions"/>).</param>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Horizon">The learning-rate schedule's last step.</param>
/// <param name="TokensSeen">Tokens trained on so far (micro-batches × rows × sequence length).</param>
/// <param name="ElapsedSeconds">Training time spent so far, across resumes.</param>
internal readonly record struct CheckpointHeader(ulong Fingerprint, long Step, long Horizon, long TokensSeen, double ElapsedSeconds);
