using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.OnnxRuntime.Internals.Native;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Internals.KvCache;

/// <summary>
/// The cache of a graph that concatenates past and new entries into a larger present tensor
/// (standard-op and MultiHeadAttention exports). Two preallocated buffers per tensor take turns:
/// a pass reads the past from one and writes the present into the other, which becomes the next
/// pass's past, so no tensor is allocated and nothing is copied outside the graph itself.
/// </summary>
/// <remarks>
/// Roll-back cost: a tensor of shape [batch, heads, length, head size] stores each head's entries
/// contiguously, so dropping entries changes where every head but the first starts. Rolling back
/// from L to L' tokens moves (blocks − 1) × L' × head size elements per tensor, in place, where
/// blocks is the number of key/value heads (twice that for packed key/value). With one key/value
/// head it moves nothing. The graph itself copies the whole past into the present on every pass,
/// so a roll-back costs at most one more such copy, and only in rounds where a draft was rejected.
/// </remarks>
internal sealed unsafe class GrowingKvCache : IKvCache
{
    private readonly DecoderLayout _layout;
    private readonly nint _memoryInfo;
    private readonly NativeBuffer[] _first;
    private readonly NativeBuffer[] _second;
    private readonly long _bytes;
    private bool _pastInFirst = true;

    public GrowingKvCache(DecoderLayout layout, int capacity, nint memoryInfo)
    {
        _layout = layout;
        _memoryInfo = memoryInfo;
        _bytes = (long)layout.KvBlocks * capacity * layout.HeadSize * ElementTypes.SizeOf(layout.KvType);
        _first = new NativeBuffer[layout.Kv.Length];
        _second = new NativeBuffer[layout.Kv.Length];
        try
        {
            for (int i = 0; i < layout.Kv.Length; i++)
            {
                _first[i] = new NativeBuffer(_bytes);
                _second[i] = new NativeBuffer(_bytes);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long BytesCopied { get; private set; }

    public void BindStep(OrtIoBinding binding, int past, int count)
    {
        Span<long> pastShape = stackalloc long[5];
        Span<long> presentShape = stackalloc long[5];
        int rank = Shape(past, pastShape);
        Shape(past + count, presentShape);
        long rowBytes = (long)_layout.KvBlocks * _layout.HeadSize * ElementTypes.SizeOf(_layout.KvType);
        NativeBuffer[] pasts = _pastInFirst ? _first : _second;
        NativeBuffer[] presents = _pastInFirst ? _second : _first;
        for (int i = 0; i < _layout.Kv.Length; i++)
        {
            OrtNative.BindInput(binding, _layout.Kv[i].Past, _memoryInfo, pasts[i].Pointer, rowBytes * past, pastShape[..rank], _layout.KvType);
            OrtNative.BindOutput(binding, _layout.Kv[i].Present, _memoryInfo, presents[i].Pointer, rowBytes * (past + count), presentShape[..rank], _layout.KvType);
        }
    }

    public void CompleteStep() => _pastInFirst = !_pastInFirst;

    public (nint Data, int BlockStride) Entries(int tensor, int length) => ((nint)(_pastInFirst ? _first : _second)[tensor].Pointer, length);

    public void Truncate(int length, int newLength)
    {
        int blocks = _layout.KvBlocks;
        if (blocks == 1 || newLength == length)
        {
            return; // one block: the kept entries are already a prefix
        }

        long entryBytes = (long)_layout.HeadSize * ElementTypes.SizeOf(_layout.KvType);
        long keptBytes = entryBytes * newLength;
        NativeBuffer[] current = _pastInFirst ? _first : _second;
        foreach (NativeBuffer buffer in current)
        {
            // Moving block b from offset b·L to b·L' < b·L in increasing order never overwrites unread data.
            for (int block = 1; block < blocks; block++)
            {
                Buffer.MemoryCopy(buffer.Pointer + (block * entryBytes * length), buffer.Pointer + (block * keptBytes), _bytes - (block * keptBytes), keptBytes);
            }
        }

        BytesCopied += (blocks - 1) * keptBytes * current.Length;
    }

    public void Dispose()
    {
        foreach (NativeBuffer? buffer in _first.Concat(_second))
        {
            buffer?.Dispose();
        }
    }

    private int Shape(int length, Span<long> shape)
    {
        if (_layout.KvFormat == KvFormat.Packed)
        {
            shape[0] = 2;
            shape[1] = 1;
            shape[2] = _layout.KvHeads;
            shape[3] = length;
            shape[4] = _layout.HeadSize;
            return 5;
        }

        shape[0] = 1;
        shape[1] = _layout.KvHeads;
        shape[2] = length;
        shape[3] = _layout.HeadSize;
        return 4;
    }
}
