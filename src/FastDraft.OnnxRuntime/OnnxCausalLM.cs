using FastDraft.OnnxRuntime.Internals;
using FastDraft.OnnxRuntime.Internals.Config;
using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.OnnxRuntime.Internals.Native;
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
    private readonly ModelCapabilities _capabilities;
    private readonly LanguageModelDraft _draft;
    private readonly SessionOwner _owner;

    /// <summary>Wraps a graph that has been inspected and probed; from here on the model owns <paramref name="owner"/>'s session.</summary>
    private OnnxCausalLM(OnnxModelOptions options, SessionOwner owner, DecoderLayout layout, ModelCapabilities capabilities, ModelInfo info, (int Count, IntraOpThreadsSource Source, long WeightBytes) threads)
    {
        Options = options;
        _owner = owner;
        _layout = layout;
        _capabilities = capabilities;
        Info = info;
        (IntraOpThreads, IntraOpThreadsSource, WeightBytes) = threads;
        _draft = new LanguageModelDraft(this);
    }

    /// <inheritdoc/>
    public ModelInfo Info { get; }

    /// <summary>Gets the path of the ONNX file.</summary>
    public string ModelPath => _layout.ModelPath;

    /// <summary>Gets the options the model was loaded with.</summary>
    public OnnxModelOptions Options { get; }

    /// <summary>
    /// Gets the intra-op threads this model's operators run on: the shared pool's size when the model joined it, else
    /// its own pool's (set by <see cref="OnnxModelOptions.IntraOpThreads"/>, the configuration or
    /// <see cref="OnnxModelOptions.DefaultIntraOpThreads"/>). <see cref="OnnxModelOptions.ConfigureSessionOptions"/> may have changed it unseen.
    /// </summary>
    public int IntraOpThreads { get; }

    /// <summary>
    /// Gets what set <see cref="IntraOpThreads"/>: the options, the configuration, or the automatic choice from the
    /// model's size (one thread per 6 MiB of <see cref="WeightBytes"/>, at least one, at most the processors available).
    /// </summary>
    /// <remarks>
    /// A model chosen one thread automatically runs in a session of its own on the caller's thread, even with
    /// <see cref="OnnxThreading.SharedPool"/>; one chosen more joins the shared pool, whose size is the first joining model's.
    /// </remarks>
    public IntraOpThreadsSource IntraOpThreadsSource { get; }

    /// <summary>Gets the bytes of the model's weights (its graph's initializers, inside the ONNX file or outside it), read from the file's structure at load.</summary>
    public long WeightBytes { get; }

    /// <summary>Gets a value indicating whether the cache is one buffer per layer shared by past and present (no copies, free roll-back).</summary>
    public bool UsesSharedKvBuffer => _capabilities.SharedBuffer;

    /// <inheritdoc/>
    int? IDraftModel.VocabularySize => Info.VocabularySize;

    internal InferenceSession Session => _owner.Session;

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

        (string folder, string modelFile, ModelFolderConfig config) = ModelFolder.Locate(path);
        InferenceSession session;
        int threads;
        IntraOpThreadsSource source;
        long weightBytes;
        try
        {
            weightBytes = WeightCounter.Count(modelFile);
        }
        catch (InvalidModelException)
        {
            weightBytes = -1; // unknown: ONNX Runtime's refusal below says what is wrong with the file
        }

        try
        {
            // The file's intra_op_num_threads is honoured (bounded when read) unless the options set one; without
            // either, the count is chosen from the weights' size.
            (session, threads, source) = SessionOptionsFactory.CreateSession(options, config.IntraOpThreads, modelFile, weightBytes);
        }
        catch (OnnxRuntimeException ex) when (ex.Message.Contains("Protobuf parsing failed", StringComparison.Ordinal))
        {
            throw new InvalidModelException($"'{modelFile}' is not an ONNX model: it does not parse as one (ONNX Runtime: {FirstLine(ex.Message)}).", modelFile, ex);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidModelException($"ONNX Runtime could not load '{modelFile}': {ex.Message}", modelFile, ex);
        }

        // The graph is inspected, probed and its cache checked first; the model is built last, from what they found.
        string name = options.ModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        var owner = new SessionOwner(session, name);
        try
        {
            DecoderLayout layout = DecoderLayout.Resolve(modelFile, config, session, GraphInspector.FindGroupQueryAttention(modelFile));
            config.CheckTokenIds(layout.VocabularySize);
            var info = new ModelInfo
            {
                Name = name,
                VocabularySize = layout.VocabularySize,
                ContextLength = config.ContextLength ?? options.DefaultContextLength,
                EndOfSequenceTokenIds = config.EndOfSequenceIds,
                BeginningOfSequenceTokenId = config.BeginningOfSequenceId,
                PaddingTokenId = config.PaddingId,
            };
            OnnxModelSession Open(ModelCapabilities capabilities, int capacity) => OnnxModelSession.Open(owner, layout, capabilities, capacity, options.MaxTokensPerPass);
            (ModelCapabilities capabilities, string? limitation) = Probe(session, layout, info.ContextLength, options, Open);
            CacheRoundTrip.Verify(layout, info.ContextLength, capacity => Open(capabilities, capacity), config.ConfigPath);
            // A shared cache is one buffer per tensor; a growing one, two that take turns (past and present).
            long cacheBytesPerToken = (capabilities.SharedBuffer ? 1L : 2L) * layout.Kv.Length * layout.KvBlocks * layout.HeadSize * ElementTypes.SizeOf(layout.KvType);
            return new OnnxCausalLM(options, owner, layout, capabilities, info with { VerificationUnsupportedReason = limitation, CacheBytesPerToken = cacheBytesPerToken }, (threads, source, weightBytes));
        }
        catch
        {
            owner.ReleaseModel(); // frees the ONNX Runtime session: no probe session is left holding it
            throw;
        }
    }

    /// <inheritdoc/>
    public IModelSession CreateSession(int capacity)
    {
        _owner.ThrowIfModelReleased();
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (capacity > Info.ContextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A session of {capacity} tokens exceeds the context length of model '{Info.Name}' ({Info.ContextLength} tokens).");
        }

        return OnnxModelSession.Open(_owner, _layout, _capabilities, capacity, Options.MaxTokensPerPass);
    }

    /// <summary>Gets why this model cannot decode several sequences in one pass (<see cref="CreateBatchSession"/>), or <see langword="null"/> when it can.</summary>
    internal string? BatchUnsupportedReason => OnnxBatchSession.UnsupportedReason(_layout, _capabilities);

    /// <summary>Opens a batch of <paramref name="rows"/> sequences decoded together: prompts of at most <paramref name="longestPrompt"/> tokens, each growing to at most <paramref name="capacity"/>.</summary>
    /// <returns>The batch, owned and disposed by the caller.</returns>
    /// <exception cref="NotSupportedException">The graph cannot decode rows together (<see cref="BatchUnsupportedReason"/>).</exception>
    internal OnnxBatchSession CreateBatchSession(int rows, int longestPrompt, int capacity)
    {
        _owner.ThrowIfModelReleased();
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, Info.ContextLength);
        return OnnxBatchSession.Open(_owner, _layout, _capabilities, rows, longestPrompt, capacity, Options.MaxTokensPerPass);
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
    public void Dispose() => _owner.ReleaseModel(); // frees the ONNX Runtime session now, or when the last session lets go

    /// <inheritdoc/>
    public override string ToString() => $"{Info.Name} ({ModelPath})";

    /// <summary>
    /// Runs two tiny passes to learn what the metadata cannot tell: whether the logits have a row
    /// per position, and whether the graph takes several new tokens after a cache.
    /// </summary>
    /// <returns>What the graph can do, and why it cannot verify drafts (<see langword="null"/> when it can).</returns>
    private static (ModelCapabilities Capabilities, string? VerificationUnsupportedReason) Probe(
        InferenceSession session,
        DecoderLayout layout,
        int contextLength,
        OnnxModelOptions options,
        Func<ModelCapabilities, int, OnnxModelSession> open)
    {
        bool shared = layout.SupportsSharedBuffer && layout.AttentionMask is not null && options.ExecutionProvider == ExecutionProvider.Cpu;
        bool allPositions = session.OutputMetadata[layout.Logits.Text].Dimensions[1] != 1;
        var capabilities = new ModelCapabilities(allPositions, MultiTokenAfterPast: true, shared);
        int[] tokens = [0, Math.Min(1, layout.VocabularySize - 1)];
        int capacity = Math.Min(2 * tokens.Length, contextLength);

        string? firstPassError = TryProbe(open, capabilities, capacity, tokens, secondPass: false);
        if (firstPassError is not null && allPositions)
        {
            capabilities = capabilities with { LogitsForAllPositions = false };
            firstPassError = TryProbe(open, capabilities, capacity, tokens, secondPass: false) is null ? null : firstPassError;
        }

        if (firstPassError is not null)
        {
            throw new InvalidModelException($"Model '{layout.ModelPath}' failed a two-token test pass: {firstPassError}", layout.ModelPath);
        }

        string? secondPassError = capacity < 2 * tokens.Length ? "its context is too short to test." : TryProbe(open, capabilities, capacity, tokens, secondPass: true);
        string? limitation = !capabilities.LogitsForAllPositions
            ? "it returns logits for the last position only, so one pass cannot score several drafted tokens."
            : secondPassError is not null
                ? $"it cannot score several new tokens in one pass once a cache exists (a test pass of 2 tokens after 2 cached failed: {FirstLine(secondPassError)})."
                : null;

        return (capabilities with { MultiTokenAfterPast = secondPassError is null }, limitation);
    }

    private static string? TryProbe(Func<ModelCapabilities, int, OnnxModelSession> open, ModelCapabilities capabilities, int capacity, int[] tokens, bool secondPass)
    {
        using OnnxModelSession session = open(capabilities, capacity);
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

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
