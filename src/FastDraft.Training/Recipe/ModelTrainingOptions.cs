using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;

namespace FastDraft.Training;

/// <summary>Options for pretraining a decoder from scratch on a corpus (for example a small target to pair a draft with).</summary>
public sealed record ModelTrainingOptions
{
    /// <summary>
    /// Gets the folder holding the tokenizer files (<c>tokenizer.json</c>, <c>tokenizer_config.json</c>), copied into the output;
    /// <see langword="null"/> (default) writes a byte-level tokenizer: the 256 bytes and <c>&lt;|endoftext|&gt;</c> (id 256).
    /// </summary>
    public string? Tokenizer { get; init; }

    /// <summary>Gets the corpus: a folder (searched recursively with <see cref="IncludePattern"/>) or a text file listing paths, one per line.</summary>
    public required string Corpus { get; init; }

    /// <summary>Gets the output model folder (ONNX Runtime GenAI format).</summary>
    public required string Output { get; init; }

    /// <summary>Gets the work folder (checkpoint, split lists); default <see cref="Output"/> + <c>.work</c>.</summary>
    public string? WorkFolder { get; init; }

    /// <summary>
    /// Gets the run's wall-clock budget; default 15 minutes. Loading the corpus comes out of it, but at least a twentieth
    /// of it is kept for training however long loading took.
    /// </summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets the decoder's shape; its vocabulary and special ids come from the tokenizer. Default: 6 layers, width 256, 8 heads × 32, 2 key/value heads, SwiGLU 704, context 512, tied head.</summary>
    public DecoderSpec Shape { get; init; } = new() { Layers = 6, HiddenSize = 256, Heads = 8, KeyValueHeads = 2, IntermediateSize = 704, ContextLength = 512, TiedEmbeddings = true };

    /// <summary>Gets the file-name pattern for a corpus folder; default <c>*.py</c>.</summary>
    public string IncludePattern { get; init; } = "*.py";

    /// <summary>Gets the share of files held out; default 0.05.</summary>
    public double HeldOutFraction { get; init; } = 0.05;

    /// <summary>Gets the seed; default 1234.</summary>
    public ulong Seed { get; init; } = 1234;

    /// <summary>
    /// Gets the sequence length; <see langword="null"/> (default) for the shape's context length (at most
    /// <see cref="DraftRecipeOptions.MaxDefaultSequenceLength"/>): positions beyond the training windows are not learnt.
    /// </summary>
    public int? SequenceLength { get; init; }

    /// <summary>Gets the sequences per step; <see langword="null"/> (default) for 4,096 tokens per step.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Gets the peak learning rate; default 2e-3.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Gets the steps between held-out evaluations (the learning curve); default 20.</summary>
    public int EvaluationInterval { get; init; } = 20;

    /// <summary>Gets ONNX Runtime's intra-op threads; null for every processor available to the process.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Gets the execution provider of every stage: the training graph, and the exported model's evaluation; default
    /// <see cref="ExecutionProvider.Cpu"/>. CUDA and DirectML need ONNX Runtime's matching build.
    /// </summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Gets the device index for CUDA or DirectML; default 0.</summary>
    public int DeviceId { get; init; }

    /// <summary>
    /// Gets a finished training run to continue from (its work folder's <c>model.params</c>, or a model folder this
    /// trainer exported), with a fresh schedule; the shape must be the same. <see langword="null"/> (default) starts
    /// from the seeded initialisation.
    /// </summary>
    public string? ContinueFrom { get; init; }
}
