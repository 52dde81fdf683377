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
    /// embedding. Default <see cref="DefaultShape"/>.
    /// </summary>
    public DecoderSpec Shape { get; init; } = DefaultShape;

    /// <summary>Gets the default draft shape: 2 layers, width 128, 4 query heads × 32, 1 key/value head, SwiGLU 352.</summary>
    public static DecoderSpec DefaultShape { get; } = new() { Layers = 2, HiddenSize = 128, Heads = 4, KeyValueHeads = 1, IntermediateSize = 352, TiedEmbeddings = true };

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
    /// Gets how the target (which generates the alignment data and the measurement's references) and the exported drafts
    /// (measured) are loaded: execution provider, device, threads; <see langword="null"/> for the defaults (CPU). Training
    /// itself runs on the CPU. Not part of the run's fingerprint: a work folder may be resumed on another provider.
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

    /// <summary>Returns the draft's spec for a target's vocabulary, context and special tokens (see <see cref="Shape"/>).</summary>
    internal DecoderSpec DraftSpec(ModelInfo target) => DraftSpec(target.VocabularySize) with
    {
        ContextLength = target.ContextLength,
        EndOfSequenceTokenId = target.EndOfSequenceTokenIds.Count > 0 ? target.EndOfSequenceTokenIds[0] : 0,
        BeginningOfSequenceTokenId = target.BeginningOfSequenceTokenId ?? (target.EndOfSequenceTokenIds.Count > 0 ? target.EndOfSequenceTokenIds[0] : 0),
        PaddingTokenId = target.PaddingTokenId ?? 0,
    };

    /// <summary>Returns the draft's spec for a vocabulary: the shape's five sizes, a tied head, GroupQueryAttention, every other field its default.</summary>
    internal DecoderSpec DraftSpec(int vocabulary) => new()
    {
        VocabularySize = vocabulary,
        HiddenSize = Shape.HiddenSize,
        Layers = Shape.Layers,
        Heads = Shape.Heads,
        KeyValueHeads = Shape.KeyValueHeads,
        IntermediateSize = Shape.IntermediateSize,
        TiedEmbeddings = true,
        Attention = AttentionKind.GroupQueryAttention,
    };

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

        if (BatchSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"The batch size (--batch-size) must be at least 1; got {BatchSize}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MeasurementPrompts, 1, nameof(MeasurementPrompts));
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
