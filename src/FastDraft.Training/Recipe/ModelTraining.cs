using System.Diagnostics;
using FastDraft.ModelWriter;
using FastDraft.Text;
using FastDraft.Training.Graph;

namespace FastDraft.Training;

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
        var inference = OnnxRuntime.OnnxModelOptions.Default with { ExecutionProvider = options.ExecutionProvider, DeviceId = options.DeviceId };
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
        var runner = new StageRunner(spec, new StageSettings(batchSize, sequenceLength, options.Seed, options.Threads, 1f, options.EvaluationInterval) { ExecutionProvider = options.ExecutionProvider, DeviceId = options.DeviceId }, work, StageResult.NoFingerprint, evaluation, progress, cancellationToken);
        ParameterLayout layout = DecoderParameters.Layout(spec);
        float[]? start = null;
        double[] startByPosition = [];
        if (options.ContinueFrom is { } previous)
        {
            if (File.Exists(Path.Combine(previous, "model.onnx")))
            {
                start = DecoderParameters.Import(layout, previous);
                using var startModel = OnnxRuntime.OnnxCausalLM.Load(previous, inference);
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
        StageResult result = await runner.TrainAsync("model", new CorpusBatchSource(train, sequenceLength, WindowOrder.Random, options.Seed), 0, options.LearningRate, TrainingBudget.Remaining(options.Budget, clock.Elapsed), null, start).ConfigureAwait(false);
        double utilization = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds / Math.Max(trainingClock.Elapsed.TotalSeconds, 1e-9);
        DecoderParameters.Export(spec, layout, result.Parameters, options.Output);
        TokenizerFiles.Copy(tokenizerFolder, options.Output);
        double[] byPosition;
        using (var exported = OnnxRuntime.OnnxCausalLM.Load(options.Output, inference))
        {
            byPosition = PositionLoss.BitsByPosition(exported, heldOut, 16, cancellationToken);
        }

        return new ModelTrainingResult(result.Steps, result.TokensPerSecond, result.HeldOutBitsPerToken, [.. runner.Curve], layout.TotalCount, train.FileCount, heldOut.FileCount, clock.Elapsed.TotalSeconds)
        {
            BitsByContextPosition = byPosition,
            StartBitsByContextPosition = startByPosition,
            SequenceLength = sequenceLength,
            CpuUtilization = utilization,
            PeakMemoryBytes = PeakMemory.Bytes(),
        };
    }
}
