using System.Buffers.Binary;

namespace FastDraft.Training;

/// <summary>
/// Draws each batch row from one of several sources, chosen at random in set proportions with a seeded
/// generator (for example corpus windows mixed with target-generated sequences whose mask covers only the
/// continuation). Every source must produce the same sequence length.
/// </summary>
public sealed class MixedBatchSource : IBatchSource
{
    private readonly IBatchSource[] _sources;
    private readonly double[] _cumulative;
    private readonly long[] _rows;
    private SplitMix64 _random;

    /// <summary>Initializes a mixture.</summary>
    /// <param name="sources">The sources and their weights (positive; they need not sum to 1).</param>
    /// <param name="seed">The seed of the per-row choice.</param>
    public MixedBatchSource(IReadOnlyList<(IBatchSource Source, double Weight)> sources, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0)
        {
            throw new ArgumentException("A mixture needs at least one source.", nameof(sources));
        }

        _sources = new IBatchSource[sources.Count];
        _cumulative = new double[sources.Count];
        _rows = new long[sources.Count];
        double total = 0;
        for (int i = 0; i < sources.Count; i++)
        {
            (IBatchSource source, double weight) = sources[i];
            ArgumentNullException.ThrowIfNull(source, $"{nameof(sources)}[{i}]");
            if (!(weight > 0) || double.IsInfinity(weight))
            {
                throw new ArgumentOutOfRangeException(nameof(sources), weight, $"Source {i}'s weight must be positive and finite.");
            }

            if (source.SequenceLength != sources[0].Source.SequenceLength)
            {
                throw new ArgumentException($"Source {i} produces sequences of {source.SequenceLength} tokens; source 0 produces {sources[0].Source.SequenceLength}.", nameof(sources));
            }

            _sources[i] = source;
            total += weight;
            _cumulative[i] = total;
        }

        for (int i = 0; i < _cumulative.Length; i++)
        {
            _cumulative[i] /= total;
        }

        SequenceLength = _sources[0].SequenceLength;
        _random = new SplitMix64(seed, "mixture");
    }

    /// <inheritdoc/>
    public int SequenceLength { get; }

    /// <summary>Gets how many rows each source has filled (restored with the state).</summary>
    /// <param name="source">The source's index.</param>
    /// <returns>The number of rows.</returns>
    internal long RowsDrawn(int source) => _rows[source];

    /// <inheritdoc/>
    public void FillRow(TrainingBatch batch, int row)
    {
        double u = _random.NextDouble();
        int chosen = 0;
        while (chosen < _cumulative.Length - 1 && u >= _cumulative[chosen])
        {
            chosen++;
        }

        _rows[chosen]++;
        _sources[chosen].FillRow(batch, row);
    }

    /// <inheritdoc/>
    public byte[] SaveState()
    {
        byte[][] inner = [.. _sources.Select(s => s.SaveState())];
        var state = new byte[4 + 8 + (_sources.Length * 12) + inner.Sum(s => s.Length)];
        Span<byte> cursor = state;
        BinaryPrimitives.WriteInt32LittleEndian(cursor, _sources.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(cursor[4..], _random.State);
        cursor = cursor[12..];
        for (int i = 0; i < _sources.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(cursor, _rows[i]);
            BinaryPrimitives.WriteInt32LittleEndian(cursor[8..], inner[i].Length);
            inner[i].CopyTo(cursor[12..]);
            cursor = cursor[(12 + inner[i].Length)..];
        }

        return state;
    }

    /// <inheritdoc/>
    public void RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.Length < 12 || BinaryPrimitives.ReadInt32LittleEndian(state) != _sources.Length)
        {
            throw new InvalidDataException($"The state is not that of a mixture of {_sources.Length} sources.");
        }

        ulong random = BinaryPrimitives.ReadUInt64LittleEndian(state[4..]);
        var rows = new long[_sources.Length];
        ReadOnlySpan<byte> cursor = state[12..];
        for (int i = 0; i < _sources.Length; i++)
        {
            int length = cursor.Length >= 12 ? BinaryPrimitives.ReadInt32LittleEndian(cursor[8..]) : -1;
            if (length < 0 || cursor.Length < 12 + length)
            {
                throw new InvalidDataException($"The mixture state is truncated at source {i}.");
            }

            rows[i] = BinaryPrimitives.ReadInt64LittleEndian(cursor);
            _sources[i].RestoreState(cursor.Slice(12, length));
            cursor = cursor[(12 + length)..];
        }

        if (!cursor.IsEmpty)
        {
            throw new InvalidDataException($"The mixture state has {cursor.Length} bytes left over.");
        }

        _random.State = random;
        rows.CopyTo(_rows, 0);
    }
}
