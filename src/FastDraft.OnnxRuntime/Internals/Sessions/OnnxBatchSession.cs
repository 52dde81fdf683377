using System.Buffers;
using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.OnnxRuntime.Internals.Native;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Internals.Sessions;

/// <summary>
/// Several sequences decoded together. Each row's prompt runs alone, as a one-sequence session runs it (so its cache and
/// first logits are that session's), and is copied into the row's slot; from then on every step runs all rows' next
/// tokens in one pass of shape [rows, 1], which reads the weights once for all rows.
/// </summary>
/// <remarks>
/// <para>
/// Rows of different lengths are held in one of two ways, by graph. GroupQueryAttention with a shared cache: each row's
/// cache is a prefix of its own slot of [rows, key/value heads, capacity, head size]; the attention mask's row sums
/// (seqlens_k) give every row its own length, so a step writes each row's new entry at that row's end, and the rotary
/// positions follow it; nothing is padded. Other graphs (a cache that grows by concatenation) hold one length for all
/// rows: rows are left-padded to the longest prompt with zero entries, the mask is 0 on the padding, and the position
/// ids count each row's own tokens. Such a graph must take an attention mask and position ids (see <see cref="UnsupportedReason"/>).
/// </para>
/// <para>
/// Used by one thread at a time. Owns its binding, run options, buffers and its prompt session, and holds a reference on
/// the model as a session does. Spans returned by <see cref="Prefill"/> and <see cref="GetLogits"/> are valid until the next call.
/// </para>
/// </remarks>
internal sealed unsafe class OnnxBatchSession : IDisposable
{
    private readonly SessionOwner _owner;
    private readonly DecoderLayout _layout;
    private readonly int _rows;
    private readonly int _longestPrompt;
    private readonly int _capacity;
    private readonly bool _shared;
    private readonly OnnxModelSession _prompt;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions;
    private readonly SessionLease _lease;
    private readonly nint _memoryInfo;
    private readonly NativeBuffer[] _first;
    private readonly NativeBuffer[]? _second;
    private readonly NativeBuffer _ids;
    private readonly NativeBuffer _positions;
    private readonly NativeBuffer _mask;
    private readonly NativeBuffer _logits;
    private readonly int[] _lengths;
    private readonly int[] _padding;
    private readonly bool[] _filled;
    private int _filledRows;
    private int _width;
    private bool _pastInFirst = true;
    private bool _stepped;
    private float[]? _converted;
    private readonly PassCancellation _cancellation;
    private bool _faulted;
    private bool _disposed;

    private OnnxBatchSession(SessionOwner owner, DecoderLayout layout, ModelCapabilities capabilities, int rows, int longestPrompt, int capacity, int maxTokensPerPass)
    {
        _owner = owner;
        _layout = layout;
        _rows = rows;
        _longestPrompt = longestPrompt;
        _capacity = capacity;
        _shared = capabilities.SharedBuffer;
        _width = longestPrompt;
        _lengths = new int[rows];
        _padding = new int[rows];
        _filled = new bool[rows];
        _memoryInfo = OrtMemoryInfo.DefaultInstance.DangerousGetHandle();
        _prompt = OnnxModelSession.Open(owner, layout, capabilities, longestPrompt, maxTokensPerPass);
        if (!owner.TryAcquire())
        {
            _prompt.Dispose();
            throw owner.ModelDisposed();
        }

        try
        {
            _runOptions = new RunOptions();
            _binding = owner.Session.CreateIoBinding();
        }
        catch
        {
            _runOptions?.Dispose();
            _prompt.Dispose();
            owner.Release();
            throw;
        }

        _lease = new SessionLease(owner, _binding, _runOptions);
        _cancellation = new PassCancellation(_lease);
        _first = new NativeBuffer[layout.Kv.Length];
        _second = _shared ? null : new NativeBuffer[layout.Kv.Length];
        try
        {
            long bytes = (long)rows * layout.KvBlocks * capacity * layout.HeadSize * ElementTypes.SizeOf(layout.KvType);
            ReadOnlySpan<long> shape = [rows, layout.KvHeads, capacity, layout.HeadSize];
            for (int i = 0; i < layout.Kv.Length; i++)
            {
                // Cleared: a padded row's entries must be finite (they are masked, but 0 × NaN is NaN).
                _first[i] = new NativeBuffer(bytes, clear: true);
                if (_second is not null)
                {
                    _second[i] = new NativeBuffer(bytes);
                }
                else
                {
                    OrtNative.BindInput(_binding, layout.Kv[i].Past, _memoryInfo, _first[i].Pointer, bytes, shape, layout.KvType);
                    OrtNative.BindOutput(_binding, layout.Kv[i].Present, _memoryInfo, _first[i].Pointer, bytes, shape, layout.KvType);
                }
            }

            _ids = new NativeBuffer((long)rows * ElementTypes.SizeOf(layout.IdsType));
            _positions = new NativeBuffer((long)rows * ElementTypes.SizeOf(layout.PositionType));
            _mask = new NativeBuffer((long)rows * capacity * ElementTypes.SizeOf(layout.MaskType));
            _logits = new NativeBuffer((long)rows * layout.VocabularySize * ElementTypes.SizeOf(layout.LogitsType));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Why a graph cannot decode rows together, or <see langword="null"/> when it can.</summary>
    public static string? UnsupportedReason(DecoderLayout layout, ModelCapabilities capabilities) =>
        capabilities.SharedBuffer ? null
        : layout.SupportsSharedBuffer ? "its GroupQueryAttention cache is not shared between past and present here (an execution provider other than the CPU), and each row's length could not be given"
        : layout.AttentionMask is null ? "it takes no attention mask, so a padded row's padding cannot be masked"
        : layout.PositionIds is null ? "it takes no position ids, so a padded row's positions cannot be given"
        : null;

    /// <summary>Opens a batch of <paramref name="rows"/> sequences, prompts of at most <paramref name="longestPrompt"/> tokens, each growing to at most <paramref name="capacity"/>.</summary>
    /// <exception cref="NotSupportedException">The graph cannot decode rows together (<see cref="UnsupportedReason"/>).</exception>
    public static OnnxBatchSession Open(SessionOwner owner, DecoderLayout layout, ModelCapabilities capabilities, int rows, int longestPrompt, int capacity, int maxTokensPerPass)
    {
        if (UnsupportedReason(layout, capabilities) is { } reason)
        {
            throw new NotSupportedException($"Model '{layout.ModelPath}' cannot decode several sequences in one pass: {reason}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(longestPrompt, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, longestPrompt + 1);
        owner.ThrowIfModelReleased();
        return new OnnxBatchSession(owner, layout, capabilities, rows, longestPrompt, capacity, maxTokensPerPass);
    }

    /// <summary>Gets the number of rows.</summary>
    public int Rows => _rows;

    /// <summary>Gets the tokens row <paramref name="row"/>'s cache holds (padding not counted).</summary>
    public int LengthOf(int row) => _lengths[row];

    /// <summary>Runs row <paramref name="row"/>'s prompt alone and places its cache in the row's slot; every row is prefilled once, before the first step.</summary>
    /// <returns>The logits after the prompt's last token, valid until the next call.</returns>
    public ReadOnlySpan<float> Prefill(int row, ReadOnlySpan<int> prompt, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, _rows);
        if (_filled[row] || _stepped)
        {
            throw new InvalidOperationException($"Row {row} is prefilled already, or steps have begun.");
        }

        if (prompt.IsEmpty || prompt.Length > _longestPrompt)
        {
            throw new ArgumentException($"A prompt of {prompt.Length} tokens; this batch takes 1 to {_longestPrompt}.", nameof(prompt));
        }

        try
        {
            if (_prompt.Length > 0)
            {
                _prompt.Truncate(0);
            }

            _prompt.Append(prompt, cancellationToken);
        }
        catch
        {
            _faulted = true;
            throw;
        }

        int length = prompt.Length;
        int stride = _shared ? _capacity : _longestPrompt; // tokens per [sequence, head size] block of the row's slot
        int offset = _shared ? 0 : _longestPrompt - length; // left padding of a grown cache
        long entry = (long)_layout.HeadSize * ElementTypes.SizeOf(_layout.KvType);
        for (int tensor = 0; tensor < _first.Length; tensor++)
        {
            (nint source, int sourceStride) = _prompt.KvCache.Entries(tensor, length);
            for (int block = 0; block < _layout.KvBlocks; block++)
            {
                // A block is (part, head): packed caches put key and value first, [2, batch, heads, ...].
                long target = (((long)(block / _layout.KvHeads) * _rows) + row) * _layout.KvHeads + (block % _layout.KvHeads);
                Buffer.MemoryCopy((byte*)source + (block * sourceStride * entry), _first[tensor].Pointer + (((target * stride) + offset) * entry), length * entry, length * entry);
            }
        }

        _lengths[row] = length;
        _padding[row] = offset;
        _filled[row] = true;
        _filledRows++;
        return _prompt.GetLogits(length - 1);
    }

    /// <summary>Appends one token to every row in one pass; then <see cref="GetLogits"/> gives each row's next-token logits.</summary>
    /// <exception cref="InvalidOperationException">A row is not prefilled, or a row's capacity is spent, or ONNX Runtime failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the batch is unusable afterwards.</exception>
    public void Step(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        if (_filledRows < _rows)
        {
            throw new InvalidOperationException($"{_rows - _filledRows} of {_rows} rows are not prefilled.");
        }

        ArgumentOutOfRangeException.ThrowIfNotEqual(tokens.Length, _rows, nameof(tokens));
        foreach (int token in tokens)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)token, (uint)_layout.VocabularySize, nameof(tokens));
        }

        int width = (_shared ? _lengths.Max() : _width) + 1;
        if (width > _capacity)
        {
            throw new InvalidOperationException($"A step would hold {width} tokens, beyond this batch's capacity of {_capacity}.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        _cancellation.Watch(cancellationToken);
        _stepped = true;
        for (int row = 0; row < _rows; row++)
        {
            // The mask's ones are the row's tokens (and the new one): after its padding, or from its start up to its own end.
            int ones = _lengths[row] + 1;
            int start = _shared ? 0 : _padding[row];
            _ids.WriteInteger(_layout.IdsType, row, tokens[row]);
            _positions.WriteInteger(_layout.PositionType, row, _lengths[row]);
            for (int column = 0; column < width; column++)
            {
                _mask.WriteInteger(_layout.MaskType, (row * width) + column, column >= start && column < start + ones ? 1 : 0);
            }
        }

        Span<long> shape = [_rows, 1, _layout.VocabularySize];
        OrtNative.BindInput(_binding, _layout.InputIds, _memoryInfo, _ids.Pointer, _ids.Bytes, shape[..2], _layout.IdsType);
        Span<long> maskShape = [_rows, width];
        OrtNative.BindInput(_binding, _layout.AttentionMask!, _memoryInfo, _mask.Pointer, (long)_rows * width * ElementTypes.SizeOf(_layout.MaskType), maskShape, _layout.MaskType);
        if (_layout.PositionIds is { } positions)
        {
            OrtNative.BindInput(_binding, positions, _memoryInfo, _positions.Pointer, _positions.Bytes, shape[..2], _layout.PositionType);
        }

        if (_second is not null)
        {
            BindGrowingCache(width - 1);
        }

        OrtNative.BindOutput(_binding, _layout.Logits, _memoryInfo, _logits.Pointer, _logits.Bytes, shape, _layout.LogitsType);
        try
        {
            _owner.Session.RunWithBinding(_runOptions, _binding);
        }
        catch (OnnxRuntimeException ex)
        {
            _faulted = true;
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The forward pass was cancelled.", ex, cancellationToken);
            }

            throw new InvalidOperationException($"ONNX Runtime failed running model '{_layout.ModelPath}' on a batch of {_rows} rows at {width - 1} cached: {ex.Message}", ex);
        }

        _pastInFirst = !_pastInFirst;
        _width++;
        for (int row = 0; row < _rows; row++)
        {
            _lengths[row]++;
        }
    }

    /// <summary>Gets row <paramref name="row"/>'s logits after the last <see cref="Step"/>, valid until the next call.</summary>
    public ReadOnlySpan<float> GetLogits(int row)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, _rows);
        if (!_stepped)
        {
            throw new InvalidOperationException("No step has run yet: a prompt's logits come from Prefill.");
        }

        long rowBytes = (long)_layout.VocabularySize * ElementTypes.SizeOf(_layout.LogitsType);
        return LogitsRow.Read(_logits.Pointer + (row * rowBytes), _layout.LogitsType, _layout.VocabularySize, ref _converted);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cancellation.Dispose();
        foreach (NativeBuffer? buffer in _first.Concat(_second ?? []))
        {
            buffer?.Dispose();
        }

        _ids?.Dispose();
        _positions?.Dispose();
        _mask?.Dispose();
        _logits?.Dispose();
        if (_converted is not null)
        {
            ArrayPool<float>.Shared.Return(_converted);
            _converted = null;
        }

        _prompt.Dispose();
        _lease?.Dispose();
    }

    /// <summary>Binds a grown cache: the past of <paramref name="past"/> tokens per row from one buffer, the present one longer into the other.</summary>
    private void BindGrowingCache(int past)
    {
        Span<long> pastShape = stackalloc long[5];
        Span<long> presentShape = stackalloc long[5];
        int rank = Shape(past, pastShape);
        Shape(past + 1, presentShape);
        long tokenBytes = (long)_rows * _layout.KvBlocks * _layout.HeadSize * ElementTypes.SizeOf(_layout.KvType);
        NativeBuffer[] pasts = _pastInFirst ? _first : _second!;
        NativeBuffer[] presents = _pastInFirst ? _second! : _first;
        for (int i = 0; i < _layout.Kv.Length; i++)
        {
            OrtNative.BindInput(_binding, _layout.Kv[i].Past, _memoryInfo, pasts[i].Pointer, tokenBytes * past, pastShape[..rank], _layout.KvType);
            OrtNative.BindOutput(_binding, _layout.Kv[i].Present, _memoryInfo, presents[i].Pointer, tokenBytes * (past + 1), presentShape[..rank], _layout.KvType);
        }
    }

    private int Shape(int length, Span<long> shape)
    {
        int at = 0;
        if (_layout.KvFormat == KvFormat.Packed)
        {
            shape[at++] = 2;
        }

        shape[at++] = _rows;
        shape[at++] = _layout.KvHeads;
        shape[at++] = length;
        shape[at++] = _layout.HeadSize;
        return at;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _owner.ThrowIfModelReleased();
        if (_faulted)
        {
            throw new InvalidOperationException("This batch is unusable: a forward pass on it failed or was cancelled.");
        }
    }
}
