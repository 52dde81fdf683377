namespace FastDraft.Training;

/// <summary>How much of a run's wall-clock budget is left for training once loading (models, corpus) has taken its share.</summary>
internal static class TrainingBudget
{
    /// <summary>
    /// The budget left after <paramref name="elapsed"/>, but at least a twentieth of <paramref name="budget"/>: loading comes
    /// out of the run's length, and a slow first tokenization (or a busy machine) still leaves something to train with.
    /// </summary>
    public static TimeSpan Remaining(TimeSpan budget, TimeSpan elapsed) => budget - elapsed < budget * 0.05 ? budget * 0.05 : budget - elapsed;
}
