using System.Diagnostics;
using FastDraft.ModelWriter;
using FastDraft.Text;
using FastDraft.Training.Graph;

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

    /// <summary>Gets the wall-clock training budget; default 15 minutes.</summary>
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
    /// Gets a finished training run to continue from (its work folder's <c>model.params</c>, or a model folder this
    /// trainer exported), with a fresh schedule; the shape must be the same. <see langword="null"/> (default) starts
    /// from the seeded initialisation.
    /// </summary>
    public string? ContinueFrom { get; init; }
}

/// <summary>The outcome of <see cref="ModelTraining.RunAsync"/>.</summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="TokensPerSecond">Training tokens per second.</param>
/// <param name="HeldOutBitsPerToken">Final held-out bits per token.</param>
/// <param name="Curve">Held-out bits per token against training time.</param>
/// <param name="Parameters">The model's parameter count.</param>
/// <param name="TrainFiles">Files trained on.</param>
/// <param name="HeldOutFiles">Files held out.</param>
/// <param name="Seconds">Wall time in all.</param>
public sealed record ModelTrainingResult(long Steps, double TokensPerSecond, double HeldOutBitsPerToken, IReadOnlyList<(TimeSpan Elapsed, double BitsPerToken)> Curve, long Parameters, int TrainFiles, int HeldOutFiles, double Seconds)
{
    /// <summary>Gets the exported model's held-out bits per token in eight equal ranges of context positions.</summary>
    public IReadOnlyList<double> BitsByContextPosition { get; init; } = [];

    /// <summary>Gets the same for the model continued from (empty when training started from scratch).</summary>
    public IReadOnlyList<double> StartBitsByContextPosition { get; init; } = [];

    /// <summary>Gets the training sequence length used.</summary>
    public int SequenceLength { get; init; }

    /// <summary>Gets CPU time ÷ wall time of the process over the run (how many cores were kept busy).</summary>
    public double CpuUtilization { get; init; }
}

/// <summary>Pretrains a decoder from scratch on a corpus and exports it as an ONNX Runtime GenAI folder.</summary>
public static class ModelTraining
{
    /// <summary>Trains (or resumes) and exports.</summary>
    /// <param name="options">What to train.</param>
    /// <param name="progress">Receives progress; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops at the next step with a checkpoint; rerun to resume.</param>
    /// <returns>The outcome with its learning curve.</returns>
    public static async Task<ModelTrainingResult> RunAsync(ModelTrainingOptions options, IProgress<RecipeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        string work = Directory.CreateDirectory(options.WorkFolder ?? options.Output.TrimEnd('/', '\\') + ".work").FullName;
        string tokenizerFolder = options.Tokenizer ?? Path.Combine(work, "tokenizer");
        if (options.Tokenizer is null)
        {
            TokenizerWriter.WriteByteLevel(tokenizerFolder, 257, [], ["<|endoftext|>"]);
        }

        ModelTokenizer tokenizer = ModelTokenizer.Load(tokenizerFolder);
        int endOfText = tokenizer.EndOfSequenceTokenId ?? throw new ArgumentException($"The tokenizer in '{options.Tokenizer}' names no end-of-sequence token to separate files with.", nameof(options));
        DecoderSpec spec = options.Shape with
        {
            VocabularySize = tokenizer.VocabularySize,
            EndOfSequenceTokenId = endOfText,
            BeginningOfSequenceTokenId = tokenizer.BeginningOfSequenceTokenId ?? endOfText,
            PaddingTokenId = endOfText,
        };
        spec.Validate();
        CorpusLoad corpus = CorpusSplit.Load(options.Corpus, options.IncludePattern, tokenizer, endOfText, options.HeldOutFraction, options.Seed, work, progress, cancellationToken);
        (TokenCorpus train, TokenCorpus heldOut) = (corpus.Train, corpus.HeldOut);
        int sequenceLength = options.SequenceLength ?? DraftRecipeOptions.DefaultSequenceLength(spec.ContextLength);
        int batchSize = options.BatchSize ?? DraftRecipeOptions.DefaultBatchSize(sequenceLength);
        EvaluationSet evaluation = EvaluationSet.FromCorpus(heldOut, sequenceLength, 16);
        var runner = new StageRunner(spec, new StageSettings(batchSize, sequenceLength, options.Seed, options.Threads, 1f, options.EvaluationInterval), work, StageResult.NoFingerprint, evaluation, progress, cancellationToken);
        ParameterLayout layout = DecoderParameters.Layout(spec);
        float[]? start = null;
        double[] startByPosition = [];
        if (options.ContinueFrom is { } previous)
        {
            if (File.Exists(Path.Combine(previous, "model.onnx")))
            {
                start = DecoderParameters.Import(layout, previous);
                using var startModel = OnnxRuntime.OnnxCausalLM.Load(previous);
                startByPosition = PositionLoss.BitsByPosition(startModel, heldOut, 16, cancellationToken);
            }
            else
            {
                string file = Directory.Exists(previous) ? Path.Combine(previous, "model.params") : previous;
                start = (StageResult.TryRead(file) ?? throw new FileNotFoundException($"No finished training run to continue from at '{file}'.", file)).Parameters;
            }
        }

        TimeSpan cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var trainingClock = Stopwatch.StartNew();
        StageResult result = await runner.TrainAsync("model", new CorpusBatchSource(train, sequenceLength, WindowOrder.Random, options.Seed), 0, options.LearningRate, options.Budget - clock.Elapsed, null, start).ConfigureAwait(false);
        double utilization = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds / Math.Max(trainingClock.Elapsed.TotalSeconds, 1e-9);
        DecoderParameters.Export(spec, layout, result.Parameters, options.Output);
        TokenizerFiles.Copy(tokenizerFolder, options.Output);
        double[] byPosition;
        using (var exported = OnnxRuntime.OnnxCausalLM.Load(options.Output))
        {
            byPosition = PositionLoss.BitsByPosition(exported, heldOut, 16, cancellationToken);
        }

        return new ModelTrainingResult(result.Steps, result.TokensPerSecond, result.HeldOutBitsPerToken, [.. runner.Curve], layout.TotalCount, train.FileCount, heldOut.FileCount, clock.Elapsed.TotalSeconds)
        {
            BitsByContextPosition = byPosition,
            StartBitsByContextPosition = startByPosition,
            SequenceLength = sequenceLength,
            CpuUtilization = utilization,
        };
    }
}

/// <summary>Copies a model folder's tokenizer files.</summary>
internal static class TokenizerFiles
{
    private static readonly string[] Names = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model"];

    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string name in Names)
        {
            string source = Path.Combine(from, name);
            if (File.Exists(source) && !string.Equals(Path.GetFullPath(source), Path.GetFullPath(Path.Combine(to, name)), StringComparison.Ordinal))
            {
                File.Copy(source, Path.Combine(to, name), overwrite: true);
            }
        }
    }
}
