namespace FastDraft.Training;

/// <summary>
/// A batch source whose saved position carries a stamp of the data it was made on (the sealed alignment data's
/// count, length and checksum), so a checkpoint resumes only on exactly that data: the source's own state would fit
/// any data with as many sequences.
/// </summary>
internal sealed class StampedBatchSource(IBatchSource inner, byte[] stamp) : IBatchSource
{
    public int SequenceLength => inner.SequenceLength;

    public void FillRow(TrainingBatch batch, int row) => inner.FillRow(batch, row);

    public byte[] SaveState() => [.. stamp, .. inner.SaveState()];

    public void RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.Length < stamp.Length || !state[..stamp.Length].SequenceEqual(stamp))
        {
            throw new InvalidDataException("it was made on other alignment data than the sealed data this work folder holds; run with --restart to start over");
        }

        inner.RestoreState(state[stamp.Length..]);
    }
}
