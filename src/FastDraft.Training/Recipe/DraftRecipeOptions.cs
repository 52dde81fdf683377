using FastDraft.OnnxRuntime;
using FastDraft.ModelWriter;

namespace FastDraft.Training;

/// <summary>Options of the FastDraft recipe: pretrain a draft on a corpus, align it on the target's own continuations, export and measure.</summary>
public sealed record DraftRecipeOptions
{
    /// <summary>Gets the target's model folder (ONNX Runtime GenAI format, with tokenizer files).</summary>
    public required string Target { get; init; }

    /// <summary>Gets the corpus: a folder (searched recursively with <see cref="IncludePattern"/>) or a text file listing paths, one per line.</summary>
    public required string Corpus { get; init; }

    /// <summary>Gets the folder that receives the aligned draft (an ONNX Runtime GenAI folder with the target's tokenizer files).</summary>
    public required string Output { get; init; }

    /// <summary>Gets the folder for intermediate files (alignment data, checkpoints, the other drafts); default <see cref="Output"/> + <c>.work</c>. A rerun resumes from it.</summary>
    public string? WorkFolder { get; init; }

    /// <summary>Gets the wall-clock budget for the whole recipe; default 20 minutes.</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Gets the draft's shape: of a <see cref="DecoderSpec"/>, the recipe takes the layers, width, heads, key/value heads
    /// and SwiGLU size; the vocabulary, context and special ids come from the target, and the LM head is tied to the
    /// embedding. <see langword="null"/> (default) for <see cref="DefaultShapeFor(DecoderSpec)"/> of the target's shape
    /// (read from its configuration; <see cref="DefaultShape"/> when it states no width or depth).
    /// </summary>
    public DecoderSpec? Shape { get; init; }

    /// <summary>
    /// Gets the draft shape of the byte-level demo target (6 layers, width 256, vocabulary 257), which
    /// <see cref="DefaultShapeFor(DecoderSpec)"/> gives it: 2 layers, width 128, 4 query heads × 32, 1 key/value head,
    /// SwiGLU 352. Also the stand-in when a target's configuration states no shape.
    /// </summary>
    public static DecoderSpec DefaultShape { get; } = new() { Layers = 2, HiddenSize = 128, Heads = 4, KeyValueHeads = 1, IntermediateSize = 352, TiedEmbeddings = true };

    /// <summary>
    /// Returns the default draft shape for a target: width half the target's, rounded to the head size (64, or 32 below a
    /// 512-wide target) and kept within 128 to 1,024; depth a sixth of the target's, at least 2 and at most 4; one
    /// key/value head; SwiGLU 2.75 × width rounded to 32; a tied head. Never wider or deeper than the target itself (a
    /// tiny target gets a draft of its own width and depth, and the recipe's cost check then warns).
    /// </summary>
    /// <param name="target">The target's shape: <see cref="DecoderSpec.HiddenSize"/> and <see cref="DecoderSpec.Layers"/> are used.</param>
    /// <returns>The draft's shape (layers, width, heads, key/value heads, SwiGLU size); the vocabulary is the target's, set by the recipe.</returns>
    /// <remarks>
    /// Examples: the demo target (6 × 256) gives <see cref="DefaultShape"/>; a GPT-2-small-like target (12 × 768) gives
    /// 2 layers × 384, 6 heads × 64, SwiGLU 1,056; a 32 × 4,096 target gives 4 layers × 1,024, 16 heads × 64, SwiGLU 2,816.
    /// The vocabulary is the target's: with a large one the embedding and head dominate a draft's size and step cost,
    /// which a trimmed draft vocabulary (not chosen here) reduces.
    /// </remarks>
    public static DecoderSpec DefaultShapeFor(DecoderSpec target)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(target.HiddenSize, 16, nameof(target));
        ArgumentOutOfRangeException.ThrowIfLessThan(target.Layers, 1, nameof(target));
        int layers = Math.Min(target.Layers, Math.Clamp((target.Layers + 5) / 6, 2, 4));
        int half = target.HiddenSize / 2;
        int headSize = half >= 256 ? 64 : 32;
        int width = Math.Clamp((int)Math.Round(half / (double)headSize, MidpointRounding.AwayFromZero) * headSize, 128, 1024);
        if (width > target.HiddenSize)
        {
            // A target narrower than 128 (a test model): the draft takes its width, in whole heads of 32 or 16 (the
            // training graph's head size is a multiple of 16).
            width = Math.Max(16, target.HiddenSize / 16 * 16);
            headSize = width % 32 == 0 ? 32 : 16;
        }

        int intermediate = Math.Max(32, (int)Math.Round(width * 2.75 / 32, MidpointRounding.AwayFromZero) * 32);
        return new DecoderSpec { Layers = layers, HiddenSize = width, Heads = width / headSize, KeyValueHeads = 1, IntermediateSize = intermediate, TiedEmbeddings = true };
    }

    /// <summary>Returns <see cref="DefaultShapeFor(DecoderSpec)"/> for the target in a model folder, read from its configuration without loading it; <see cref="DefaultShape"/> when the folder states no width or depth.</summary>
    /// <param name="targetFolder">The target's model folder (<c>genai_config.json</c>, or a Hugging Face <c>config.json</c>).</param>
    /// <returns>The draft's shape.</returns>
    public static DecoderSpec DefaultShapeFor(string targetFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetFolder);
        return TargetShape.Read(targetFolder) is { } target ? DefaultShapeFor(target) : DefaultShape;
    }

    /// <summary>
    /// Gets the largest draft step cost c (one draft step ÷ one target step) the recipe accepts without a warning: 0.2.
    /// By the speed-up model E(α, K) / (K·c + 1) at α = 0.8, K = 4, c = 0.2 already caps the speed-up at 1.87× (3.36×
    /// at c = 0), c = 0.3 at 1.53× and c = 0.5 at 1.12×, whatever training achieves.
    /// </summary>
    public const double MaxDraftCostRatio = 0.2;

    /// <summary>
    /// Gets a value indicating whether the recipe times a draft step against a target step (an untrained draft of the
    /// shape, written to a temporary folder) before training, and warns when the ratio exceeds
    /// <see cref="MaxDraftCostRatio"/>; default <see langword="true"/>. It takes a few seconds.
    /// </summary>
    public bool CheckDraftCost { get; init; } = true;

    /// <summary>
    /// Gets how many ids the draft's LM head scores (a frequency-ranked trimmed head, as in FR-Spec): the M ids the target
    /// emits most often in the alignment data, plus the special tokens; the input embedding stays full-width, and the
    /// exported draft still outputs the target's full width (ids outside the kept set get a logit no sampler picks), so
    /// speculative decoding with it stays exact. <see langword="null"/> (default): <see cref="DefaultDraftVocabulary"/>;
    /// 0, or at least the target's vocabulary: the full head. A trimmed head needs the alignment data before pretraining
    /// (the recipe generates it first), and its held-out bits per token count the positions whose next id it keeps.
    /// </summary>
    public int? DraftVocabulary { get; init; }

    /// <summary>The smallest target vocabulary whose draft head is trimmed by default: 16,384.</summary>
    public const int TrimmedVocabularyFrom = 16_384;

    /// <summary>
    /// Returns the default <see cref="DraftVocabulary"/> for a target vocabulary: the full head below
    /// <see cref="TrimmedVocabularyFrom"/> (0), otherwise a quarter of it, at least 8,192 (32,000 → 8,192; 50,257 → 12,565;
    /// 128,256 → 32,064). FR-Spec kept 16k–32k of Llama-3's 128k ids (12–25%) with little loss of acceptance; a
    /// quarter, and no fewer than 8,192 ids for mid-sized vocabularies, stays at the cautious end of that.
    /// </summary>
    /// <param name="targetVocabulary">The target's vocabulary size.</param>
    /// <returns>The head's size M, or 0 for the full head.</returns>
    public static int DefaultDraftVocabulary(int targetVocabulary) =>
        targetVocabulary < TrimmedVocabularyFrom ? 0 : Math.Max(8192, (targetVocabulary + 3) / 4);

    /// <summary>Gets the stages to run; default <see cref="RecipeStages.All"/>. Stages not listed reuse results the work folder holds.</summary>
    public RecipeStages Stages { get; init; } = RecipeStages.All;

    /// <summary>Gets the file-name pattern for a corpus folder; default <c>*.py</c>.</summary>
    public string IncludePattern { get; init; } = "*.py";

    /// <summary>Gets the share of corpus files held out (by file) for measurement; default 0.05.</summary>
    public double HeldOutFraction { get; init; } = 0.05;

    /// <summary>Gets the seed for the split, initialisation, data order and sampling; default 1234.</summary>
    public ulong Seed { get; init; } = 1234;

    /// <summary>
    /// Gets the training sequence length (pretraining, alignment and the control); <see langword="null"/> (default) for
    /// the target's context, at most <see cref="MaxDefaultSequenceLength"/>. A draft is only trained for the positions
    /// its windows reach: one trained on 256-token windows for a 512-token target agreed with it 0.73 of the time at
    /// positions 100–164 and 0.21 at 400–464.
    /// </summary>
    public int? SequenceLength { get; init; }

    /// <summary>Gets the longest default training window: beyond it the attention of one window costs more than its tokens are worth here.</summary>
    public const int MaxDefaultSequenceLength = 4096;

    /// <summary>
    /// Gets a fixed number of optimizer steps for pretraining and for alignment (the control takes as many as
    /// alignment), with every <see cref="AlignmentDataOptions.Sequences"/> generated; <see langword="null"/> (default)
    /// shares <see cref="Budget"/> among the stages instead. A step-count run does not depend on the machine's speed: run
    /// again, or stopped and resumed with the same options, on the same machine and thread count, it reproduces its
    /// figures exactly; a time-budgeted run does not.
    /// </summary>
    public int? StageSteps { get; init; }

    /// <summary>Gets the sequences per optimizer step; <see langword="null"/> (default) for 4,096 tokens per step (at least one sequence).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Gets the peak learning rate of pretraining; default 3e-3.</summary>
    public double PretrainLearningRate { get; init; } = 3e-3;

    /// <summary>Gets the peak learning rate of alignment (and of the control); default 1e-3.</summary>
    public double AlignLearningRate { get; init; } = 1e-3;

    /// <summary>Gets what alignment data to generate (its <see cref="AlignmentDataOptions.Sequences"/> is an upper bound; the budget usually ends generation first).</summary>
    public AlignmentDataOptions AlignmentData { get; init; } = DefaultAlignmentData;

    /// <summary>
    /// Gets the default alignment data: up to 4,096 sequences of 128 continuation tokens after prompts of 16 tokens up
    /// to the target's context minus 128 (so the continuations cover the whole context), half greedy and half sampled
    /// at 0.7, top-8 kept.
    /// </summary>
    public static AlignmentDataOptions DefaultAlignmentData { get; } = new() { Sequences = 4096, ContinuationLength = 128, TopK = 8 };

    /// <summary>Gets the share of real corpus windows among alignment rows; default 0.25.</summary>
    public double CorpusShareInAlignment { get; init; } = 0.25;

    /// <summary>Gets the weight of the KL term towards the target's kept distribution (when <see cref="AlignmentDataOptions.TopK"/> &gt; 0); default 1.</summary>
    public float KlWeight { get; init; } = 1f;

    /// <summary>Gets how many held-out prompts acceptance is measured on; default 64.</summary>
    public int MeasurementPrompts { get; init; } = 64;

    /// <summary>
    /// Gets the continuation length (tokens) of the measurement; default 128. The prompts' lengths spread evenly from
    /// 16 tokens to the context minus this, so α is measured, and reported by context position, across the whole context.
    /// </summary>
    public int MeasurementLength { get; init; } = 128;

    /// <summary>Gets a value indicating whether to measure the decode speed-up with <see cref="SpeculativeGenerator"/>; default true.</summary>
    public bool MeasureSpeedup { get; init; } = true;

    /// <summary>
    /// Gets a value indicating whether the draft's token embedding starts from the target's: the target's embedding rows
    /// projected onto their top principal directions (as many as the draft is wide, by PCA in float64), scaled to the
    /// draft's usual initial scale; a tied head follows it. Default <see langword="false"/> (seeded noise). Part of the
    /// run's fingerprint. The target's embedding must be float32 or float16 and at least as wide as the draft.
    /// </summary>
    public bool InitializeEmbeddingFromTarget { get; init; }

    /// <summary>Gets ONNX Runtime's intra-op threads for training; null for every processor available to the process.</summary>
    public int? TrainingThreads { get; init; }

    /// <summary>
    /// Gets the execution provider the training graphs (pretraining, alignment, the control) run on; default
    /// <see cref="ExecutionProvider.Cpu"/>. The tool sets it and <see cref="InferenceModelOptions"/> from one
    /// <c>--execution-provider</c>. Not part of the run's fingerprint.
    /// </summary>
    public ExecutionProvider TrainingExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Gets the device index of <see cref="TrainingExecutionProvider"/> for CUDA or DirectML; default 0.</summary>
    public int TrainingDeviceId { get; init; }

    /// <summary>
    /// Gets how the target (which generates the alignment data and the measurement's references) and the exported drafts
    /// (measured) are loaded: execution provider, device, threads; <see langword="null"/> for the defaults (CPU). The
    /// training graphs run on <see cref="TrainingExecutionProvider"/>. Not part of the run's fingerprint: a work folder
    /// may be resumed on another provider.
    /// </summary>
    public OnnxModelOptions? InferenceModelOptions { get; init; }

    /// <summary>
    /// Gets a value indicating whether an output folder that already holds files (not this work folder's own earlier
    /// export) may be overwritten; default <see langword="false"/>, which refuses it before any work.
    /// </summary>
    public bool OverwriteOutput { get; init; }

    /// <summary>
    /// Gets a value indicating whether to delete the work folder's stage files (alignment data, checkpoints, finished
    /// stages, run record) and start over; default <see langword="false"/>, which resumes, and refuses a work folder
    /// whose recorded run (target, corpus, seed, shape, ...) differs from this one.
    /// </summary>
    public bool Restart { get; init; }

    internal string Work => WorkFolder ?? Output.TrimEnd('/', '\\') + ".work";

    /// <summary>Gets the shape in force: <see cref="Shape"/>, or the target's default (see <see cref="Resolved"/>).</summary>
    internal DecoderSpec ShapeInForce => Shape ?? DefaultShapeFor(Target);

    /// <summary>Returns these options with <see cref="Shape"/> set to the shape in force, so that every stage sees one shape.</summary>
    internal DraftRecipeOptions Resolved() => Shape is null ? this with { Shape = ShapeInForce } : this;

    /// <summary>Returns the draft's spec for a target's vocabulary, context and special tokens (see <see cref="Shape"/>).</summary>
    internal DecoderSpec DraftSpec(ModelInfo target) => DraftSpec(target.VocabularySize) with
    {
        ContextLength = target.ContextLength,
        EndOfSequenceTokenId = target.EndOfSequenceTokenIds.Count > 0 ? target.EndOfSequenceTokenIds[0] : 0,
        BeginningOfSequenceTokenId = target.BeginningOfSequenceTokenId ?? (target.EndOfSequenceTokenIds.Count > 0 ? target.EndOfSequenceTokenIds[0] : 0),
        PaddingTokenId = target.PaddingTokenId ?? 0,
    };

    /// <summary>Returns the draft's spec for a vocabulary: the shape's five sizes, a tied head, GroupQueryAttention, every other field its default.</summary>
    internal DecoderSpec DraftSpec(int vocabulary)
    {
        DecoderSpec shape = ShapeInForce;
        return new()
        {
            VocabularySize = vocabulary,
            HiddenSize = shape.HiddenSize,
            Layers = shape.Layers,
            Heads = shape.Heads,
            KeyValueHeads = shape.KeyValueHeads,
            IntermediateSize = shape.IntermediateSize,
            TiedEmbeddings = true,
            Attention = AttentionKind.GroupQueryAttention,
        };
    }

    /// <summary>The head size M this run trims the draft to for a target vocabulary, or 0 for the full head.</summary>
    internal int HeadSizeFor(int targetVocabulary)
    {
        int size = DraftVocabulary ?? DefaultDraftVocabulary(targetVocabulary);
        return size <= 0 || size >= targetVocabulary ? 0 : size;
    }

    /// <summary>Gets the training window for a target: <see cref="SequenceLength"/> or its context, capped.</summary>
    internal int SequenceLengthFor(ModelInfo target) => SequenceLength ?? DefaultSequenceLength(target.ContextLength);

    /// <summary>Gets the sequences per step: <see cref="BatchSize"/> or 4,096 tokens' worth.</summary>
    internal int BatchSizeFor(int sequenceLength) => BatchSize ?? DefaultBatchSize(sequenceLength);

    /// <summary>The default training window for a context: all of it, capped at <see cref="MaxDefaultSequenceLength"/>.</summary>
    internal static int DefaultSequenceLength(int contextLength) => Math.Min(contextLength, MaxDefaultSequenceLength);

    /// <summary>The default sequences per step: 4,096 tokens' worth, at least one.</summary>
    internal static int DefaultBatchSize(int sequenceLength) => Math.Max(1, 4096 / sequenceLength);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Target);
        ArgumentException.ThrowIfNullOrWhiteSpace(Corpus);
        ArgumentException.ThrowIfNullOrWhiteSpace(Output);
        if (Budget <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The budget must be positive; got {Budget}.");
        }

        if (HeldOutFraction is <= 0 or >= 1 || CorpusShareInAlignment is < 0 or >= 1)
        {
            throw new ArgumentException($"HeldOutFraction ({HeldOutFraction}) must lie in (0, 1) and CorpusShareInAlignment ({CorpusShareInAlignment}) in [0, 1).");
        }

        if (SequenceLength is < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(SequenceLength), SequenceLength, $"The sequence length (--sequence-length) must be at least 8; got {SequenceLength}.");
        }

        if (StageSteps is < 20)
        {
            throw new ArgumentOutOfRangeException(nameof(StageSteps), StageSteps, $"The steps per stage (--steps) must be at least 20, pretraining's warm-up; got {StageSteps}.");
        }

        if (DraftVocabulary is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(DraftVocabulary), DraftVocabulary, $"The draft vocabulary (--draft-vocabulary) must be 0 (full) or positive; got {DraftVocabulary}.");
        }

        if (BatchSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"The batch size (--batch-size) must be at least 1; got {BatchSize}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MeasurementPrompts, 1, nameof(MeasurementPrompts));
        ArgumentOutOfRangeException.ThrowIfNegative(TrainingDeviceId, nameof(TrainingDeviceId));
        ArgumentOutOfRangeException.ThrowIfLessThan(MeasurementLength, MeasureSpeedup ? 2 : 1, nameof(MeasurementLength)); // a decode rate needs a token after the first
        if (!Directory.Exists(Target))
        {
            throw new DirectoryNotFoundException($"The target folder '{Target}' does not exist.");
        }

        if (!Directory.Exists(Corpus) && !File.Exists(Corpus))
        {
            throw new FileNotFoundException($"The corpus '{Corpus}' is neither a folder nor a file listing paths.", Corpus);
        }
    }
}
