namespace FastDraft.Training;

/// <summary>
/// Fixed held-out windows for measuring bits per token: up to a given number of non-overlapping windows of a
/// corpus, evenly spaced through its stream. The same corpus and counts always give the same windows.
/// </summary>
public sealed class EvaluationSet
{
    private readonly TokenCorpus _corpus;
    private readonly int[] _starts;

    private EvaluationSet(TokenCorpus corpus, int sequenceLength, int[] starts)
    {
        _corpus = corpus;
        _starts = starts;
        SequenceLength = sequenceLength;
    }

    /// <summary>Gets the tokens per window.</summary>
    public int SequenceLength { get; }

    /// <summary>Gets the number of windows.</summary>
    public int SequenceCount => _starts.Length;

    /// <summary>Picks evaluation windows from a (held-out) corpus.</summary>
    /// <param name="corpus">The corpus (at least <paramref name="sequenceLength"/> + 1 tokens).</param>
    /// <param name="sequenceLength">Tokens per window.</param>
    /// <param name="maxSequences">The most windows to keep.</param>
    /// <returns>The set.</returns>
    public static EvaluationSet FromCorpus(TokenCorpus corpus, int sequenceLength, int maxSequences)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        int available = (corpus.TokenCount - 1) / sequenceLength;
        if (available == 0)
        {
            if (corpus.TokenCount < 2)
            {
                throw new ArgumentException($"The corpus has {corpus.TokenCount} tokens; held-out evaluation needs at least 2.", nameof(corpus));
            }

            // A held-out part shorter than one training window (windows as long as a large context) is one partial window.
            return new EvaluationSet(corpus, sequenceLength, [0]);
        }

        int count = Math.Min(available, maxSequences);
        int[] starts = new int[count];
        for (int i = 0; i < count; i++)
        {
            starts[i] = (int)((long)i * available / count) * sequenceLength;
        }

        return new EvaluationSet(corpus, sequenceLength, starts);
    }

    /// <summary>
    /// Returns the mean cross-entropy in bits per counted token over every window, evaluated in batches of
    /// <paramref name="batch"/>'s size (the last batch's unused rows are masked out). Uses the loss only: the
    /// source's gradient buffer is overwritten and must be recomputed before the next optimizer step.
    /// </summary>
    internal double BitsPerToken(IGradientSource source, TrainingBatch batch)
    {
        if (batch.SequenceLength != SequenceLength)
        {
            throw new ArgumentException($"The batch has sequence length {batch.SequenceLength}; the evaluation windows have {SequenceLength}.", nameof(batch));
        }

        double nats = 0;
        double counted = 0;
        for (int first = 0; first < _starts.Length; first += batch.BatchSize)
        {
            for (int row = 0; row < batch.BatchSize; row++)
            {
                if (first + row < _starts.Length && _corpus.TokenCount > _starts[first + row] + SequenceLength)
                {
                    BatchSourceExtensions.WriteWindow(batch, row, _corpus, _starts[first + row]);
                }
                else if (first + row < _starts.Length)
                {
                    WritePartialWindow(batch, row, _starts[first + row]);
                }
                else
                {
                    int offset = row * SequenceLength;
                    batch.InputIds.AsSpan(offset, SequenceLength).Clear();
                    batch.TargetIds.AsSpan(offset, SequenceLength).Clear();
                    batch.LossMask.AsSpan(offset, SequenceLength).Clear();
                    BatchSourceExtensions.ClearSoftTargets(batch, row);
                }
            }

            LossParts parts = source.Compute(batch);
            nats += parts.CrossEntropy * parts.CountedPositions;
            counted += parts.CountedPositions;
        }

        return counted == 0 ? double.NaN : nats / counted / Math.Log(2);
    }

    /// <summary>Writes the window that starts at <paramref name="start"/> as far as the corpus reaches; the rest of the row is masked.</summary>
    private void WritePartialWindow(TrainingBatch batch, int row, int start)
    {
        int offset = row * SequenceLength;
        int valid = _corpus.TokenCount - 1 - start;
        int[] tokens = new int[valid + 1];
        _corpus.CopyTo(start, tokens);
        batch.InputIds.AsSpan(offset, SequenceLength).Clear();
        batch.TargetIds.AsSpan(offset, SequenceLength).Clear();
        batch.LossMask.AsSpan(offset, SequenceLength).Clear();
        BatchSourceExtensions.ClearSoftTargets(batch, row);
        for (int j = 0; j < valid; j++)
        {
            batch.InputIds[offset + j] = tokens[j];
            batch.TargetIds[offset + j] = tokens[j + 1];
            batch.LossMask[offset + j] = 1f;
        }
    }
}
