namespace FastDraft.Training;

/// <summary>
/// Supplies training sequences one batch row at a time. Sources are deterministic given their seed and
/// state, and their whole position can be saved and restored, so a resumed run sees the same data.
/// </summary>
/// <remarks>
/// A source is used by one trainer at a time and is not thread-safe. <see cref="FillRow"/> must not
/// allocate: it runs for every row of every step.
/// </remarks>
public interface IBatchSource
{
    /// <summary>Gets the tokens per sequence this source produces.</summary>
    int SequenceLength { get; }

    /// <summary>
    /// Writes the next sequence into row <paramref name="row"/> of <paramref name="batch"/>: input ids, target
    /// ids, loss mask and, when the batch has soft targets, the row's teacher entries (zeros when the source has none).
    /// </summary>
    /// <param name="batch">The batch; its sequence length equals <see cref="SequenceLength"/>.</param>
    /// <param name="row">The row, in [0, <see cref="TrainingBatch.BatchSize"/>).</param>
    void FillRow(TrainingBatch batch, int row);

    /// <summary>Returns the source's position (random states, cursors) as bytes for a checkpoint.</summary>
    /// <returns>The state.</returns>
    byte[] SaveState();

    /// <summary>Restores a position returned by <see cref="SaveState"/> of a source built the same way.</summary>
    /// <param name="state">The state.</param>
    /// <exception cref="InvalidDataException">The state does not belong to a source of this kind and shape.</exception>
    void RestoreState(ReadOnlySpan<byte> state);
}

/// <summary>Helpers over <see cref="IBatchSource"/>.</summary>
public static class BatchSourceExtensions
{
    /// <summary>Fills every row of a batch.</summary>
    /// <param name="source">The source.</param>
    /// <param name="batch">The batch.</param>
    public static void Fill(this IBatchSource source, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(batch);
        for (int row = 0; row < batch.BatchSize; row++)
        {
            source.FillRow(batch, row);
        }
    }

    /// <summary>Clears a row's soft-target entries (for sources without a teacher).</summary>
    internal static void ClearSoftTargets(TrainingBatch batch, int row)
    {
        if (batch.SoftTopK > 0)
        {
            int width = batch.SequenceLength * batch.SoftTopK;
            batch.SoftIds.AsSpan(row * width, width).Clear();
            batch.SoftProbabilities.AsSpan(row * width, width).Clear();
        }
    }

    /// <summary>Copies a corpus window as input (tokens [s, s+T)) and target (tokens [s+1, s+T+1)) with a full mask.</summary>
    internal static void WriteWindow(TrainingBatch batch, int row, TokenCorpus corpus, int start)
    {
        int length = batch.SequenceLength;
        int offset = row * length;
        corpus.CopyTo(start, batch.InputIds.AsSpan(offset, length));
        corpus.CopyTo(start + 1, batch.TargetIds.AsSpan(offset, length));
        batch.LossMask.AsSpan(offset, length).Fill(1f);
        ClearSoftTargets(batch, row);
    }
}
