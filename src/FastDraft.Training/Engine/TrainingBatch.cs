namespace FastDraft.Training;

/// <summary>
/// One batch of training sequences in row-major [batch, sequence] layout: the tokens the model reads, the
/// token it should predict at each position, and which positions count towards the loss. Optionally the
/// teacher's top-k distribution per position, for the distillation (KL) term.
/// </summary>
/// <remarks>The arrays are owned by whoever created the batch; a batch source may refill and reuse one instance per step.</remarks>
public sealed class TrainingBatch
{
    /// <summary>Initializes a batch with buffers of the given shape (soft targets only when <paramref name="softTopK"/> &gt; 0).</summary>
    /// <param name="batchSize">Sequences per batch.</param>
    /// <param name="sequenceLength">Tokens per sequence.</param>
    /// <param name="softTopK">Teacher entries kept per position; 0 for none.</param>
    public TrainingBatch(int batchSize, int sequenceLength, int softTopK = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(softTopK);
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        SoftTopK = softTopK;
        InputIds = new long[batchSize * sequenceLength];
        TargetIds = new long[batchSize * sequenceLength];
        LossMask = new float[batchSize * sequenceLength];
        SoftIds = softTopK > 0 ? new long[batchSize * sequenceLength * softTopK] : [];
        SoftProbabilities = softTopK > 0 ? new float[batchSize * sequenceLength * softTopK] : [];
    }

    /// <summary>Gets the number of sequences.</summary>
    public int BatchSize { get; }

    /// <summary>Gets the tokens per sequence.</summary>
    public int SequenceLength { get; }

    /// <summary>Gets the teacher entries per position (0: no soft targets).</summary>
    public int SoftTopK { get; }

    /// <summary>Gets the input token ids, [batch, sequence].</summary>
    public long[] InputIds { get; }

    /// <summary>Gets the ids to predict at each position, [batch, sequence].</summary>
    public long[] TargetIds { get; }

    /// <summary>Gets the loss weight of each position (1 counts, 0 ignored), [batch, sequence].</summary>
    public float[] LossMask { get; }

    /// <summary>Gets the teacher's top-k ids per position, [batch, sequence, k]; empty without soft targets.</summary>
    public long[] SoftIds { get; }

    /// <summary>Gets the teacher's probabilities for <see cref="SoftIds"/>, [batch, sequence, k]; empty without soft targets.</summary>
    public float[] SoftProbabilities { get; }
}
