namespace FastDraft.Training;

/// <summary>How a target continued one alignment prompt.</summary>
public enum ContinuationKind
{
    /// <summary>Greedy decoding (argmax at every step).</summary>
    Greedy = 0,

    /// <summary>Sampling at a temperature.</summary>
    Sampled = 1,
}
