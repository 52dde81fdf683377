using System.Buffers.Binary;

namespace FastDraft.Training;

/// <summary>
/// Fixed-length windows of a <see cref="TokenCorpus"/>: row input is tokens <c>[s, s+T)</c>, target
/// <c>[s+1, s+T+1)</c>, every position counted. Files are separated in the stream by the corpus's separator
/// id, so windows cross file boundaries the way packed pre-training data does.
/// </summary>
public sealed class CorpusBatchSource : IBatchSource
{
    private const int StateSize = 1 + 8 + 8 + 4;
    private readonly TokenCorpus _corpus;
    private readonly WindowOrder _order;
    private readonly ulong _seed;
    private readonly int[] _permutation;
    private SplitMix64 _random;
    private long _epoch;
    private int _next;

    /// <summary>Initializes a source over a corpus.</summary>
    /// <param name="corpus">The corpus (at least <paramref name="sequenceLength"/> + 1 tokens).</param>
    /// <param name="sequenceLength">Tokens per sequence.</param>
    /// <param name="order">How windows are picked.</param>
    /// <param name="seed">The seed of the window order.</param>
    public CorpusBatchSource(TokenCorpus corpus, int sequenceLength, WindowOrder order, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        if (!Enum.IsDefined(order))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Unknown window order.");
        }

        if (corpus.TokenCount < sequenceLength + 1)
        {
            throw new ArgumentException($"The corpus has {corpus.TokenCount} tokens; a window of {sequenceLength} needs at least {sequenceLength + 1}.", nameof(corpus));
        }

        _corpus = corpus;
        _order = order;
        _seed = seed;
        SequenceLength = sequenceLength;
        _random = new SplitMix64(seed, "corpus-windows");
        _permutation = order == WindowOrder.Random ? [] : new int[(corpus.TokenCount - 1) / sequenceLength];
        Permute();
    }

    /// <inheritdoc/>
    public int SequenceLength { get; }

    /// <summary>Gets the completed passes over the non-overlapping windows (0 for <see cref="WindowOrder.Random"/>).</summary>
    internal long Epoch => _epoch;

    /// <inheritdoc/>
    public void FillRow(TrainingBatch batch, int row)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.SequenceLength != SequenceLength)
        {
            throw new ArgumentException($"The batch has sequence length {batch.SequenceLength}; this source produces {SequenceLength}.", nameof(batch));
        }

        int start;
        if (_order == WindowOrder.Random)
        {
            start = _random.NextInt(_corpus.TokenCount - SequenceLength);
        }
        else
        {
            if (_next == _permutation.Length)
            {
                _epoch++;
                _next = 0;
                Permute();
            }

            start = _permutation[_next++] * SequenceLength;
        }

        BatchSourceExtensions.WriteWindow(batch, row, _corpus, start);
    }

    /// <inheritdoc/>
    public byte[] SaveState()
    {
        var state = new byte[StateSize];
        state[0] = (byte)_order;
        BinaryPrimitives.WriteUInt64LittleEndian(state.AsSpan(1), _random.State);
        BinaryPrimitives.WriteInt64LittleEndian(state.AsSpan(9), _epoch);
        BinaryPrimitives.WriteInt32LittleEndian(state.AsSpan(17), _next);
        return state;
    }

    /// <inheritdoc/>
    public void RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.Length != StateSize || state[0] != (byte)_order)
        {
            throw new InvalidDataException($"The state ({state.Length} bytes) is not that of a {_order} corpus source.");
        }

        long epoch = BinaryPrimitives.ReadInt64LittleEndian(state[9..]);
        int next = BinaryPrimitives.ReadInt32LittleEndian(state[17..]);
        if (epoch < 0 || next < 0 || next > _permutation.Length)
        {
            throw new InvalidDataException($"The corpus source state (epoch {epoch}, window {next}) is out of range for {_permutation.Length} windows.");
        }

        _random.State = BinaryPrimitives.ReadUInt64LittleEndian(state[1..]);
        _epoch = epoch;
        _next = next;
        Permute();
    }

    private void Permute()
    {
        if (_order == WindowOrder.Random)
        {
            return;
        }

        for (int i = 0; i < _permutation.Length; i++)
        {
            _permutation[i] = i;
        }

        // Each epoch's permutation comes from (seed, epoch) alone, so restoring a position needs no history.
        if (_order == WindowOrder.Shuffled)
        {
            new SplitMix64(_seed ^ (ulong)_epoch, "corpus-epoch").Shuffle(_permutation);
        }
    }
}
