using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Internals.KvCache;

/// <summary>The key/value cache of one session: owns its buffers and binds them for every pass.</summary>
internal interface IKvCache : IDisposable
{
    /// <summary>Gets the bytes moved by roll-backs so far (0 for a cache whose roll-back is a length change).</summary>
    long BytesCopied { get; }

    /// <summary>Binds the cache for a pass over <paramref name="count"/> tokens after <paramref name="past"/> cached ones.</summary>
    void BindStep(OrtIoBinding binding, int past, int count);

    /// <summary>Records that the pass bound by <see cref="BindStep"/> ran.</summary>
    void CompleteStep();

    /// <summary>
    /// Gets where cache tensor <paramref name="tensor"/>'s entries lie once the cache holds <paramref name="length"/> tokens:
    /// the address of its first [sequence, head size] block, and the tokens from the start of one block to the next.
    /// Valid until the next pass.
    /// </summary>
    (nint Data, int BlockStride) Entries(int tensor, int length);

    /// <summary>Rolls the cache back from <paramref name="length"/> to <paramref name="newLength"/> tokens.</summary>
    void Truncate(int length, int newLength);
}
