using System.Buffers;
using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.OnnxRuntime.Internals.KvCache;
using FastDraft.OnnxRuntime.Internals.Native;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FastDraft.OnnxRuntime.Internals.Sessions;

/// <summary>
/// One generation's state on an ONNX model: an IOBinding whose inputs, outputs and cache all live
/// in buffers allocated once, so a decoding step allocates no managed memory.
/// </summary>
/// <remarks>
/// Owns its binding, run options and native buffers, and releases them on <see cref="Dispose"/>.
/// Holds a reference on the model, which frees its ONNX Runtime session only when the model and
/// every one of its sessions have been disposed. A session dropped without being disposed (a
/// generation's enumerator nobody disposed) is not leaked: its buffers are <see cref="NativeBuffer"/>
/// safe handles and its binding, run options and model reference are held by a <see cref="SessionLease"/>,
/// all released by their critical finalizers once the session is unreachable.
/// </remarks>
internal sealed unsafe class OnnxModelSession : IModelSession
{
    /// <summary>Logits rows kept between passes: a verification pass needs K + 1 ≤ 65. Longer (prompt) passes use a temporary buffer.</summary>
    private const int RetainedLogitsRows = SpeculativeOptions.MaxDraftTokens + 1;

    private readonly SessionOwner _owner;
    private readonly DecoderLayout _layout;
    private readonly ModelCapabilities _capabilities;
    private readonly int _maxTokensPerPass;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions;
    private readonly SessionLease _lease;
    private readonly PassCancellation _cancellation;
    private readonly nint _memoryInfo;
    private readonly NativeBuffer _ids;
    private readonly NativeBuffer _positions;
    private readonly NativeBuffer _mask;
    private readonly IKvCache _kv;
    private readonly long _logitsRowBytes;
    private NativeBuffer? _logits;
    private int _logitsRows;
    private NativeBuffer? _temporaryLogits;
    private byte* _currentLogits;
    private float[]? _converted;
    private int _lastCount;
    private int _lastPassStart;
    private bool _faulted;
    private bool _disposed;

    /// <summary>Creates a session on a reference already taken from <paramref name="owner"/>; the session gives it back, also when this constructor fails.</summary>
    private OnnxModelSession(SessionOwner owner, DecoderLayout layout, ModelCapabilities capabilities, int capacity, int maxTokensPerPass)
    {
        _owner = owner;
        _layout = layout;
        _capabilities = capabilities;
        _maxTokensPerPass = maxTokensPerPass;
        Capacity = capacity;
        _memoryInfo = OrtMemoryInfo.DefaultInstance.DangerousGetHandle();
        _logitsRowBytes = (long)layout.VocabularySize * ElementTypes.SizeOf(layout.LogitsType);
        try
        {
            _runOptions = new RunOptions();
            _binding = owner.Session.CreateIoBinding();
        }
        catch
        {
            _runOptions?.Dispose();
            owner.Release();
            throw;
        }

        _lease = new SessionLease(owner, _binding, _runOptions);
        _cancellation = new PassCancellation(_lease);
        try
        {
            _ids = new NativeBuffer((long)capacity * ElementTypes.SizeOf(layout.IdsType));
            _positions = new NativeBuffer((long)capacity * ElementTypes.SizeOf(layout.PositionType));
            _mask = new NativeBuffer((long)capacity * ElementTypes.SizeOf(layout.MaskType));
            FillOnes(_mask, layout.MaskType, capacity);
            _kv = capabilities.SharedBuffer
                ? new SharedKvCache(layout, capacity, _binding, _memoryInfo)
                : new GrowingKvCache(layout, capacity, _memoryInfo);
        }
        catch
        {
            ReleaseNative();
            _lease.Dispose();
            throw;
        }
    }

    /// <summary>Opens a session of <paramref name="capacity"/> tokens on the model whose ONNX Runtime session <paramref name="owner"/> holds.</summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    internal static OnnxModelSession Open(SessionOwner owner, DecoderLayout layout, ModelCapabilities capabilities, int capacity, int maxTokensPerPass)
    {
        owner.ThrowIfModelReleased();
        return owner.TryAcquire()
            ? new OnnxModelSession(owner, layout, capabilities, capacity, maxTokensPerPass)
            : throw owner.ModelDisposed();
    }

    public int Length { get; private set; }

    public int Capacity { get; }

    /// <summary>Gets the cache bytes moved by roll-backs so far (0 for a shared-buffer cache).</summary>
    internal long KvBytesCopied => _kv.BytesCopied;

    internal RunOptions RunOptions => _runOptions;

    internal IKvCache KvCache => _kv;

    public void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("At least one token must be appended.", nameof(tokens));
        }

        if (tokens.Length > Capacity - Length)
        {
            throw new InvalidOperationException($"Appending {tokens.Length} tokens to the {Length} cached would exceed the session's capacity of {Capacity} tokens.");
        }

        int vocabulary = _layout.VocabularySize;
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocabulary)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"Token id {tokens[i]} at position {i} is outside the vocabulary of model '{_owner.ModelName}' (size {vocabulary}).");
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        _cancellation.Watch(cancellationToken);
        _lastCount = 0;
        _temporaryLogits?.Dispose();
        _temporaryLogits = null;

        for (int done = 0; done < tokens.Length;)
        {
            // Without a past any graph takes the whole block; after one, some can only take a token at a time.
            int count = tokens.Length - done;
            if (!_capabilities.MultiTokenAfterPast)
            {
                count = Length == 0 ? count : 1;
            }
            else
            {
                count = Math.Min(count, _maxTokensPerPass);
            }

            cancellationToken.ThrowIfCancellationRequested();
            RunPass(tokens.Slice(done, count), cancellationToken);
            _lastPassStart = done;
            done += count;
        }

        _lastCount = tokens.Length;
    }

    public ReadOnlySpan<float> GetLogits(int index)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _lastCount);
        int row = _capabilities.LogitsForAllPositions ? index - _lastPassStart : (index == _lastCount - 1 ? 0 : -1);
        if (row < 0)
        {
            throw new InvalidOperationException(
                $"Logits for position {index} of the last {_lastCount} appended tokens are not available from model '{_owner.ModelName}': " +
                (_capabilities.LogitsForAllPositions ? "only the last pass's rows are kept." : "it returns logits for the last position only."));
        }

        return LogitsRow.Read(_currentLogits + (row * _logitsRowBytes), _layout.LogitsType, _layout.VocabularySize, ref _converted);
    }

    public void Truncate(int length)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        _kv.Truncate(Length, length);
        Length = length;
        _lastCount = 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cancellation.Dispose();
        _kv.Dispose();
        ReleaseNative();
        _lease.Dispose();
    }

    private void RunPass(ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
    {
        int past = Length;
        int count = tokens.Length;
        _ids.WriteIntegers(_layout.IdsType, 0, tokens);
        Span<long> shape = [1, count, _layout.VocabularySize];
        OrtNative.BindInput(_binding, _layout.InputIds, _memoryInfo, _ids.Pointer, count * (long)ElementTypes.SizeOf(_layout.IdsType), shape[..2], _layout.IdsType);

        if (_layout.AttentionMask is { } mask)
        {
            Span<long> maskShape = [1, past + count];
            OrtNative.BindInput(_binding, mask, _memoryInfo, _mask.Pointer, (past + count) * (long)ElementTypes.SizeOf(_layout.MaskType), maskShape, _layout.MaskType);
        }

        if (_layout.PositionIds is { } positions)
        {
            WritePositions(past, count);
            OrtNative.BindInput(_binding, positions, _memoryInfo, _positions.Pointer, count * (long)ElementTypes.SizeOf(_layout.PositionType), shape[..2], _layout.PositionType);
        }

        _kv.BindStep(_binding, past, count);

        int rows = _capabilities.LogitsForAllPositions ? count : 1;
        shape[1] = rows;
        _currentLogits = LogitsBuffer(rows);
        OrtNative.BindOutput(_binding, _layout.Logits, _memoryInfo, _currentLogits, rows * _logitsRowBytes, shape, _layout.LogitsType);

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

            throw new InvalidOperationException($"ONNX Runtime failed running model '{_layout.ModelPath}' on {count} tokens after {past} cached: {ex.Message}", ex);
        }

        _kv.CompleteStep();
        Length = past + count;
    }

    private byte* LogitsBuffer(int rows)
    {
        if (rows > RetainedLogitsRows)
        {
            _temporaryLogits?.Dispose();
            _temporaryLogits = new NativeBuffer(rows * _logitsRowBytes);
            return _temporaryLogits.Pointer;
        }

        if (rows > _logitsRows)
        {
            // Grow to the largest pass seen (rounded up), then reuse; in place, so that a draft length
            // never used before costs no managed allocation mid-generation.
            int newRows = Math.Min(RetainedLogitsRows, Math.Max(rows, _logitsRows * 2));
            if (_logits is null)
            {
                _logits = new NativeBuffer(newRows * _logitsRowBytes);
            }
            else
            {
                _logits.Reallocate(newRows * _logitsRowBytes);
            }

            _logitsRows = newRows;
        }

        return _logits!.Pointer;
    }

    private void WritePositions(int past, int count)
    {
        if (_layout.PositionType == TensorElementType.Int64)
        {
            long* positions = (long*)_positions.Pointer;
            for (int i = 0; i < count; i++)
            {
                positions[i] = past + i;
            }
        }
        else
        {
            int* positions = (int*)_positions.Pointer;
            for (int i = 0; i < count; i++)
            {
                positions[i] = past + i;
            }
        }
    }

    private static void FillOnes(NativeBuffer buffer, TensorElementType type, int count)
    {
        if (type == TensorElementType.Int64)
        {
            new Span<long>(buffer.Pointer, count).Fill(1);
        }
        else
        {
            new Span<int>(buffer.Pointer, count).Fill(1);
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _owner.ThrowIfModelReleased();
        if (_faulted)
        {
            throw new InvalidOperationException("This session is unusable: a forward pass on it failed or was cancelled. Start a new generation.");
        }
    }

    private void ReleaseNative()
    {
        _cancellation.Dispose();
        _ids?.Dispose();
        _positions?.Dispose();
        _mask?.Dispose();
        _logits?.Dispose();
        _temporaryLogits?.Dispose();
        if (_converted is not null)
        {
            ArrayPool<float>.Shared.Return(_converted);
            _converted = null;
        }
    }
}
