using System.Buffers.Binary;

namespace FastDraft.Training;

/// <summary>
/// Serves alignment sequences (a corpus prompt and the target's continuation) as training rows: the loss counts
/// the continuation positions only, and when the batch has soft targets the target's kept top-k distribution
/// goes with them. Sequences are visited in a seeded random order, reshuffled every epoch.
/// </summary>
/// <remarks>
/// A sequence longer than a row keeps its last <c>SequenceLength + 1</c> tokens (the continuation stays whole
/// when it fits); a shorter one is padded with positions the mask ignores.
/// </remarks>
public sealed class AlignmentBatchSource : IBatchSource
{
    private readonly IReadOnlyList<AlignmentSequence> _sequences;
    private readonly int _topK;
    private readonly int[] _order;
    private SplitMix64 _random;
    private int _cursor;
    private long _epoch;

    /// <summary>Initializes a source over generated sequences.</summary>
    /// <param name="sequences">The sequences (for example <see cref="AlignmentDataFile.ReadAll"/>'s).</param>
    /// <param name="topK">The k the sequences were generated with (0 when no distribution was kept).</param>
    /// <param name="sequenceLength">Tokens per training row.</param>
    /// <param name="seed">The order's seed.</param>
    public AlignmentBatchSource(IReadOnlyList<AlignmentSequence> sequences, int topK, int sequenceLength, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        if (sequences.Count == 0)
        {
            throw new ArgumentException("There are no alignment sequences to train on.", nameof(sequences));
        }

        _sequences = sequences;
        _topK = topK;
        SequenceLength = sequenceLength;
        _order = [.. Enumerable.Range(0, sequences.Count)];
        _random = new SplitMix64(seed, "alignment-order");
        _random.Shuffle(_order);
    }

    /// <inheritdoc/>
    public int SequenceLength { get; }

    /// <summary>Gets the number of completed passes over the sequences.</summary>
    internal long Epoch => _epoch;

    /// <inheritdoc/>
    public void FillRow(TrainingBatch batch, int row)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_cursor == _order.Length)
        {
            _cursor = 0;
            _epoch++;
            _random.Shuffle(_order);
        }

        AlignmentSequence sequence = _sequences[_order[_cursor++]];
        int length = SequenceLength;
        int offset = Math.Max(0, sequence.Tokens.Length - 1 - length);
        Span<long> input = batch.InputIds.AsSpan(row * length, length);
        Span<long> target = batch.TargetIds.AsSpan(row * length, length);
        Span<float> mask = batch.LossMask.AsSpan(row * length, length);
        BatchSourceExtensions.ClearSoftTargets(batch, row);
        int k = batch.SoftTopK;
        for (int j = 0; j < length; j++)
        {
            int next = offset + j + 1;
            if (next >= sequence.Tokens.Length)
            {
                input[j] = 0;
                target[j] = 0;
                mask[j] = 0;
                continue;
            }

            input[j] = sequence.Tokens[next - 1];
            target[j] = sequence.Tokens[next];
            int continuation = next - sequence.PromptLength;
            mask[j] = continuation >= 0 ? 1f : 0f;
            if (continuation >= 0 && k > 0 && _topK > 0)
            {
                int kept = Math.Min(k, _topK);
                int at = ((row * length) + j) * k;
                for (int e = 0; e < kept; e++)
                {
                    batch.SoftIds[at + e] = sequence.TopIds[(continuation * _topK) + e];
                    batch.SoftProbabilities[at + e] = sequence.TopProbabilities[(continuation * _topK) + e];
                }
            }
        }
    }

    /// <inheritdoc/>
    public byte[] SaveState()
    {
        byte[] state = new byte[20 + (4 * _order.Length)];
        BinaryPrimitives.WriteUInt64LittleEndian(state, _random.State);
        BinaryPrimitives.WriteInt32LittleEndian(state.AsSpan(8), _cursor);
        BinaryPrimitives.WriteInt64LittleEndian(state.AsSpan(12), _epoch);
        for (int i = 0; i < _order.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(state.AsSpan(20 + (4 * i)), _order[i]);
        }

        return state;
    }

    /// <inheritdoc/>
    public void RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.Length != 20 + (4 * _order.Length))
        {
            throw new InvalidDataException($"The saved alignment-source state has {state.Length} bytes; a source over {_order.Length} sequences needs {20 + (4 * _order.Length)}.");
        }

        _random.State = BinaryPrimitives.ReadUInt64LittleEndian(state);
        _cursor = BinaryPrimitives.ReadInt32LittleEndian(state[8..]);
        _epoch = BinaryPrimitives.ReadInt64LittleEndian(state[12..]);
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = BinaryPrimitives.ReadInt32LittleEndian(state[(20 + (4 * i))..]);
        }
    }
}
