namespace FastDraft.Training;

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
