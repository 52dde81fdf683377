using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.OnnxRuntime.Internals.Native;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Internals.KvCache;

/// <summary>
/// The cache of a GroupQueryAttention graph: one preallocated buffer per layer and per key/value,
/// bound once as both the past input and the present output. ONNX Runtime writes each pass's new
/// entries in place, and the attention mask's length tells it how many are valid; so a pass
/// copies nothing, and a roll-back is only a change of length (the stale entries past it are
/// ignored, then overwritten).
/// </summary>
internal sealed unsafe class SharedKvCache : IKvCache
{
    private readonly NativeBuffer[] _buffers;
    private readonly int _capacity;

    public SharedKvCache(DecoderLayout layout, int capacity, OrtIoBinding binding, nint memoryInfo)
    {
        _capacity = capacity;
        long bytes = (long)layout.KvBlocks * capacity * layout.HeadSize * ElementTypes.SizeOf(layout.KvType);
        ReadOnlySpan<long> shape = [1, layout.KvHeads, capacity, layout.HeadSize];
        _buffers = new NativeBuffer[layout.Kv.Length];
        try
        {
            for (int i = 0; i < layout.Kv.Length; i++)
            {
                _buffers[i] = new NativeBuffer(bytes, clear: true);
                OrtNative.BindInput(binding, layout.Kv[i].Past, memoryInfo, _buffers[i].Pointer, bytes, shape, layout.KvType);
                OrtNative.BindOutput(binding, layout.Kv[i].Present, memoryInfo, _buffers[i].Pointer, bytes, shape, layout.KvType);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long BytesCopied => 0;

    /// <summary>The bytes of one cache tensor, for tests that check ONNX Runtime writes into it in place.</summary>
    internal ReadOnlySpan<byte> Buffer(int tensor) => new(_buffers[tensor].Pointer, checked((int)_buffers[tensor].Bytes));

    public void BindStep(OrtIoBinding binding, int past, int count)
    {
    }

    public void CompleteStep()
    {
    }

    public (nint Data, int BlockStride) Entries(int tensor, int length) => ((nint)_buffers[tensor].Pointer, _capacity);

    public void Truncate(int length, int newLength)
    {
    }

    public void Dispose()
    {
        foreach (NativeBuffer? buffer in _buffers)
        {
            buffer?.Dispose();
        }
    }
}
