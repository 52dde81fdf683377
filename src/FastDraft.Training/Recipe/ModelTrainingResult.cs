namespace FastDraft.Training;

/// <summary>The outcome of <see cref="ModelTraining.RunAsync"/>.</summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="TokensPerSecond">Training tokens per second.</param>
/// <param name="HeldOutBitsPerToken">Final held-out bits per token.</param>
/// <param name="Curve">Held-out bits per token against training time.</param>
/// <param name="Parameters">The model's parameter count.</param>
/// <param name="TrainFiles">Files trained on.</param>
/// <param name="HeldOutFiles">Files held out.</param>
/// <param name="Seconds">Wall time in all.</param>
public sealed record ModelTrainingResult(long Steps, double TokensPerSecond, double HeldOutBitsPerToken, IReadOnlyList<(TimeSpan Elapsed, double BitsPerToken)> Curve, long Parameters, int TrainFiles, int HeldOutFiles, double Seconds)
{
    /// <summary>Gets the exported model's held-out bits per token in eight equal ranges of context positions.</summary>
    public IReadOnlyList<double> BitsByContextPosition { get; init; } = [];

    /// <summary>Gets the same for the model continued from (empty when training started from scratch).</summary>
    public IReadOnlyList<double> StartBitsByContextPosition { get; init; } = [];

    /// <summary>Gets the training sequence length used.</summary>
    public int SequenceLength { get; init; }

    /// <summary>Gets CPU time ÷ wall time of the process over the run (how many cores were kept busy).</summary>
    public double CpuUtilization { get; init; }

    /// <summary>Gets the process's peak resident memory in bytes (its peak working set, VmHWM on Linux) when training and export ended.</summary>
    public long PeakMemoryBytes { get; init; }
}
