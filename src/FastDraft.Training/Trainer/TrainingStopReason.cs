namespace FastDraft.Training;

/// <summary>Why a training run ended.</summary>
public enum TrainingStopReason
{
    /// <summary>The schedule's last step was taken.</summary>
    Completed,

    /// <summary>The time budget ran out first.</summary>
    TimeBudgetReached,
}
