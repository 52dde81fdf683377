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
