namespace FastDraft.Training;

/// <summary>Version information for the training package.</summary>
internal static class TrainingPackage
{
    /// <summary>The checkpoint format version written by this package.</summary>
    public const int CheckpointFormatVersion = 1;
}
