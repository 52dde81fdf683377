using FastDraft.OnnxRuntime.Internals;
using FastDraft.OnnxRuntime.Internals.Config;
using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.OnnxRuntime.Internals.Sessions;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime;

/// <summary>
/// A causal language model in ONNX, loaded from an ONNX Runtime GenAI model folder
/// (<c>genai_config.json</c> + <c>model.onnx</c>) or a plain decoder export; usable as a target, as a
/// draft, or on its own.
/// </summary>
/// <remarks>
/// <para>
/// Everything is read from the configuration and checked against the graph's real inputs and
/// outputs: token ids int32 or int64, optional position ids, key/value caches per layer or packed,
/// fp32/fp16 caches and logits. A short probe run at load finds whether the graph returns logits
/// for every position and whether it can score several new tokens after a cache (required of a
/// target; <see cref="ModelInfo.VerificationUnsupportedReason"/> says why not).
/// </para>
/// <para>
/// Graphs whose attention is com.microsoft GroupQueryAttention get a cache bound once as both past
/// and present, written in place by ONNX Runtime: no copy per step, and roll-back is a length change.
/// Other graphs get two buffers per cache tensor used in turn (see the README for roll-back cost).
/// </para>
/// <para>
/// Thread safety and ownership: the model may be shared by any number of concurrent generations;
/// each creates and disposes its own sessions. Dispose the model when you are done with it: it
/// then refuses new sessions, existing sessions throw <see cref="ObjectDisposedException"/>, and the
/// ONNX Runtime session is freed once the last of them is disposed, so disposal never frees memory
/// a running pass uses. A generation whose enumerator is dropped without being disposed does not leak:
/// its native buffers and its hold on the session are safe handles, released once it is collected.
/// </para>
/// <para>
/// The configuration is checked, bounded and confined to the model folder, and the cache must
/// round-trip at load (see the README's section on model folders for what is honoured and what is refused).
/// </para>
/// </remarks>
public sealed class OnnxCausalLM : ITargetModel, IDraftModel, IDisposable
{
    private readonly DecoderLayout _layout;
    private readonly LanguageModelDraft _draft;
    private readonly SessionOwner _owner;
    private ModelCapabilities _capabilities = null!;
    private int _disposed;

    private OnnxCausalLM(string modelPath, OnnxModelOptions options, InferenceSession session, DecoderLayout layout, ModelInfo info)
    {
        ModelPath = modelPath;
        Options = options;
        Session = session;
        _owner = new SessionOwner(session);
        _layout = layout;
        Info = info;
        _draft = new LanguageModelDraft(this);
    }

    /// <inheritdoc/>
    public ModelInfo Info { get; private set; }

    /// <summary>Gets the path of the ONNX file.</summary>
    public string ModelPath { get; }

    /// <summary>Gets the options the model was loaded with.</summary>
    public OnnxModelOptions Options { get; }

    /// <summary>
    /// Gets the intra-op threads this model's operators run on: the shared pool's size when the model joined it, else
    /// its own pool's (set by <see cref="OnnxModelOptions.IntraOpThreads"/>, the configuration or
    /// <see cref="OnnxModelOptions.DefaultIntraOpThreads"/>). <see cref="OnnxModelOptions.ConfigureSessionOptions"/> may have changed it unseen.
    /// </summary>
    public int IntraOpThreads { get; private init; }

    /// <summary>Gets a value indicating whether the cache is one buffer per layer shared by past and present (no copies, free roll-back).</summary>
    public bool UsesSharedKvBuffer => _capabilities.SharedBuffer;

    /// <inheritdoc/>
    int? IDraftModel.VocabularySize => Info.VocabularySize;

    internal InferenceSession Session { get; }

    internal DecoderLayout Layout => _layout;

    /// <summary>Gets the number of generation sessions alive on this model (disposed, or dropped and finalized, ones excluded).</summary>
    internal int ActiveSessions => _owner.Leases;

    /// <summary>Gets a value indicating whether the ONNX Runtime session has been freed (the model and all its sessions are gone).</summary>
    internal bool SessionReleased => _owner.Released;

    /// <summary>Loads a model.</summary>
    /// <param name="path">A model folder (with <c>genai_config.json</c>, or holding one <c>.onnx</c> file), or an <c>.onnx</c> file.</param>
    /// <param name="options">Load options; <see langword="null"/> for the defaults (CPU).</param>
    /// <returns>The loaded model, owned by the caller.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The ONNX file does not exist.</exception>
    /// <exception cref="InvalidModelException">
    /// The configuration is malformed (invalid JSON or UTF-8, wrong types, a number beyond its bound, a token id outside the
    /// vocabulary, a file named outside the model folder or not a regular file), or disagrees with the graph, or the graph
    /// cannot be loaded, or its key/value cache does not round-trip (cached and uncached logits differ: cache names swapped).
    /// </exception>
    /// <exception cref="ModelNotSupportedException">The model has state FastDraft cannot roll back, or the execution provider is not in this ONNX Runtime build.</exception>
    /// <exception cref="DllNotFoundException">ONNX Runtime's native library is missing (its managed API alone is referenced); the message names the packages that carry it.</exception>
    public static OnnxCausalLM Load(string path, OnnxModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= OnnxModelOptions.Default;
        options.Validate(nameof(options));

        (string folder, string modelFile, ModelFolderConfig config) = Locate(path);
        InferenceSession session;
        int threads;
        try
        {
            // The file's intra_op_num_threads is honoured (bounded when read) unless the options set one.
            (session, threads) = SessionOptionsFactory.CreateSession(options, config.IntraOpThreads, modelFile);
        }
        catch (OnnxRuntimeException ex) when (ex.Message.Contains("Protobuf parsing failed", StringComparison.Ordinal))
        {
            throw new InvalidModelException($"'{modelFile}' is not an ONNX model: it does not parse as one (ONNX Runtime: {FirstLine(ex.Message)}).", modelFile, ex);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidModelException($"ONNX Runtime could not load '{modelFile}': {ex.Message}", modelFile, ex);
        }

        try
        {
            DecoderLayout layout = DecoderLayout.Resolve(modelFile, config, session, GraphInspector.FindGroupQueryAttention(modelFile));
            config.CheckTokenIds(layout.VocabularySize);
            var info = new ModelInfo
            {
                Name = options.ModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)),
                VocabularySize = layout.VocabularySize,
                ContextLength = config.ContextLength ?? options.DefaultContextLength,
                EndOfSequenceTokenIds = config.EndOfSequenceIds,
                BeginningOfSequenceTokenId = config.BeginningOfSequenceId,
                PaddingTokenId = config.PaddingId,
            };
            var model = new OnnxCausalLM(modelFile, options, session, layout, info) { IntraOpThreads = threads };
            model.Probe();
            CacheRoundTrip.Verify(model, model._capabilities, config.ConfigPath);
            return model;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public IModelSession CreateSession(int capacity)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (capacity > Info.ContextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A session of {capacity} tokens exceeds the context length of model '{Info.Name}' ({Info.ContextLength} tokens).");
        }

        return CreateSession(_capabilities, capacity);
    }

    /// <inheritdoc/>
    IDraftSession IDraftModel.CreateDraftSession(int capacity) => _draft.CreateDraftSession(capacity);

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType.IsInstanceOfType(this) ? this
            : serviceType == typeof(InferenceSession) ? Session
            : serviceType == typeof(ModelInfo) ? Info
            : serviceType == typeof(OnnxModelOptions) ? Options
            : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _owner.Dispose(); // frees the ONNX Runtime session now, or when the last session lets go
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Info.Name} ({ModelPath})";

    internal void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(OnnxCausalLM), $"Model '{Info.Name}' has been disposed.");
        }
    }

    internal OnnxModelSession CreateSession(ModelCapabilities capabilities, int capacity)
    {
        ThrowIfDisposed();
        if (!_owner.TryAcquire())
        {
            throw new ObjectDisposedException(nameof(OnnxCausalLM), $"Model '{Info.Name}' has been disposed.");
        }

        return new OnnxModelSession(this, _owner, _layout, capabilities, capacity, Options.MaxTokensPerPass);
    }

    /// <summary>
    /// Runs two tiny passes to learn what the metadata cannot tell: whether the logits have a row
    /// per position, and whether the graph takes several new tokens after a cache.
    /// </summary>
    private void Probe()
    {
        bool shared = _layout.SupportsSharedBuffer && _layout.AttentionMask is not null && Options.ExecutionProvider == ExecutionProvider.Cpu;
        bool allPositions = Session.OutputMetadata[_layout.Logits.Text].Dimensions[1] != 1;
        var capabilities = new ModelCapabilities(allPositions, MultiTokenAfterPast: true, shared);
        int[] tokens = [0, Math.Min(1, _layout.VocabularySize - 1)];
        int capacity = Math.Min(2 * tokens.Length, Info.ContextLength);

        string? firstPassError = TryProbe(capabilities, capacity, tokens, secondPass: false);
        if (firstPassError is not null && allPositions)
        {
            capabilities = capabilities with { LogitsForAllPositions = false };
            firstPassError = TryProbe(capabilities, capacity, tokens, secondPass: false) is null ? null : firstPassError;
        }

        if (firstPassError is not null)
        {
            throw new InvalidModelException($"Model '{ModelPath}' failed a two-token test pass: {firstPassError}", ModelPath);
        }

        string? secondPassError = capacity < 2 * tokens.Length ? "its context is too short to test." : TryProbe(capabilities, capacity, tokens, secondPass: true);
        string? limitation = !capabilities.LogitsForAllPositions
            ? "it returns logits for the last position only, so one pass cannot score several drafted tokens."
            : secondPassError is not null
                ? $"it cannot score several new tokens in one pass once a cache exists (a test pass of 2 tokens after 2 cached failed: {FirstLine(secondPassError)})."
                : null;

        _capabilities = capabilities with { MultiTokenAfterPast = secondPassError is null };
        Info = Info with { VerificationUnsupportedReason = limitation };
    }

    private string? TryProbe(ModelCapabilities capabilities, int capacity, int[] tokens, bool secondPass)
    {
        using OnnxModelSession session = CreateSession(capabilities, capacity);
        session.RunOptions.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL; // failures here are expected answers
        try
        {
            session.Append(tokens);
            if (secondPass)
            {
                session.Append(tokens);
            }

            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.InnerException?.Message ?? ex.Message;
        }
    }

    /// <summary>
    /// Refuses a configuration or tokenizer file passed where a model folder or an ONNX file is expected, in the caller's
    /// terms: ONNX Runtime would report it as "Protobuf parsing failed".
    /// </summary>
    private static void RefuseConfigurationFile(string file)
    {
        if (!file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        string name = Path.GetFileName(file);
        string what = name.Equals(ModelFolderConfig.GenAIConfigFileName, StringComparison.OrdinalIgnoreCase) ? "the model folder's ONNX Runtime GenAI configuration"
            : name.StartsWith("tokenizer", StringComparison.OrdinalIgnoreCase) ? "a tokenizer file"
            : "a JSON file";
        throw new InvalidModelException(
            $"'{file}' is {what}, not an ONNX model: OnnxCausalLM.Load takes the model folder ('{Path.GetDirectoryName(file)}') or the decoder's .onnx file.",
            file);
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static (string Folder, string ModelFile, ModelFolderConfig Config) Locate(string path)
    {
        if (File.Exists(path))
        {
            string file = Path.GetFullPath(path);
            ModelFolderConfig.RequireRegularFile(file, "the path passed to Load");
            RefuseConfigurationFile(file);
            string folder = Path.GetDirectoryName(file)!;
            return (folder, file, ModelFolderConfig.Read(folder));
        }

        if (!Directory.Exists(path))
        {
            if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
            }

            throw new DirectoryNotFoundException($"Model folder '{path}' does not exist.");
        }

        string root = Path.GetFullPath(path);
        ModelFolderConfig config = ModelFolderConfig.Read(root);
        if (config.ModelFileName is { } named)
        {
            return (root, ModelFolderConfig.ResolveNamedFile(root, config.ConfigPath, "decoder.filename", named), config);
        }

        string conventional = Path.Combine(root, "model.onnx");
        if (File.Exists(conventional))
        {
            ModelFolderConfig.RequireRegularFile(conventional, $"the model folder '{root}'");
            return (root, conventional, config);
        }

        string[] candidates = Directory.GetFiles(root, "*.onnx");
        if (candidates.Length == 1)
        {
            ModelFolderConfig.RequireRegularFile(candidates[0], $"the model folder '{root}'");
        }

        return candidates.Length switch
        {
            1 => (root, candidates[0], config),
            0 => throw new FileNotFoundException($"Model folder '{root}' holds no .onnx file, and no {ModelFolderConfig.GenAIConfigFileName} naming one.", conventional),
            _ => throw new InvalidModelException($"Model folder '{root}' holds several .onnx files ({string.Join(", ", candidates.Select(Path.GetFileName))}) and no {ModelFolderConfig.GenAIConfigFileName} saying which is the decoder.", root),
        };
    }
}
