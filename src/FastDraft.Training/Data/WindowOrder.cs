namespace FastDraft.Training;

/// <summary>How a <see cref="CorpusBatchSource"/> picks its windows.</summary>
public enum WindowOrder
{
    /// <summary>Each row starts at a uniformly random token (windows may overlap).</summary>
    Random,

    /// <summary>The stream is cut into non-overlapping windows, visited in a fresh seeded permutation each epoch.</summary>
    Shuffled,

    /// <summary>The non-overlapping windows in stream order, epoch after epoch.</summary>
    Sequential,
}
