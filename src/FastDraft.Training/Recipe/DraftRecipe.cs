using System.Diagnostics;
using FastDraft.Evaluation;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Text;
using FastDraft.Training.Graph;

namespace FastDraft.Training;

/// <summary>
/// The FastDraft recipe end to end: split the corpus by file; let the target continue prompts from the training
/// files (alignment data); pretrain a draft on the corpus; align it on the target's continuations mixed with corpus
/// windows; optionally train the equal-compute control; export; measure α for each and the decode speed-up.
/// </summary>
/// <remarks>
/// Every stage keeps its state in the work folder (alignment data appended as it is generated, trainer checkpoints,
/// a file per finished stage), so a run stopped with Ctrl-C or a crash resumes where it stopped when started again
/// with the same options, and stages can run in separate invocations. The budget is shared among the stages run.
/// The work folder records the run that made it (<c>run.json</c>: target, corpus, seed, shape, ...) and is refused to
/// any other, is locked for the length of a run, and its alignment data is sealed once generated, so a resumed
/// alignment trains on exactly the data it started on.
/// </remarks>
public static class DraftRecipe
{
    /// <summary>Runs (or resumes) the selected stages of the recipe.</summary>
    /// <param name="options">The recipe's options.</param>
    /// <param name="progress">Receives progress; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops at the next step; the work folder stays resumable.</param>
    /// <returns>The measurements (when <see cref="RecipeStages.Measure"/> ran) and stage times.</returns>
    /// <exception cref="InvalidOperationException">A stage needs the result of one that has not run in this work folder.</exception>
    public static async Task<DraftRecipeResult> RunAsync(DraftRecipeOptions options, IProgress<RecipeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        options = options.Resolved(); // the default shape follows from the target: read once, seen alike by every stage
        RecipeStages stages = options.Stages;
        var total = Stopwatch.StartNew();
        var seconds = new Dictionary<string, double>();
        var utilization = new Dictionary<string, double>();

        // Before anything is loaded: the folders checked against the target and the output, the work folder locked, and
        // its recorded run compared with this one (WorkFolderGuard, RunFingerprint).
        using RecipeWorkFolder workFolder = RecipeWorkFolder.Open(options, progress);
        string work = workFolder.Path;

        // Shares of the budget by stage; the stages run split the budget in these proportions, measurement takes what is left.
        var shares = new Dictionary<RecipeStages, double> { [RecipeStages.Data] = 0.22, [RecipeStages.Pretrain] = 0.36, [RecipeStages.Align] = 0.2, [RecipeStages.Control] = 0.17, [RecipeStages.Measure] = 0.05, [RecipeStages.Export] = 0.01 };
        double selected = shares.Where(s => stages.HasFlag(s.Key)).Sum(s => s.Value);
        TimeSpan stagesBudget = options.Budget;
        TimeSpan Budget(RecipeStages stage) => stagesBudget * (shares[stage] / selected);
        TimeSpan? StageBudget(RecipeStages stage) => options.StageSteps is null ? Budget(stage) : null;

        using OnnxCausalLM target = OnnxCausalLM.Load(options.Target, options.InferenceModelOptions);
        ModelTokenizer tokenizer = ModelTokenizer.Load(options.Target);
        DecoderSpec spec = options.DraftSpec(target.Info);

        // Before the budget goes to training: is a step of this draft cheap enough beside the target's to pay for itself?
        (double? costRatio, List<string> warnings) = stages.HasFlag(RecipeStages.Pretrain)
            ? DraftCostCheck.Run(options, target, CostShape(spec, options.HeadSizeFor(target.Info.VocabularySize)), progress, cancellationToken)
            : (null, []);
        var watch = Stopwatch.StartNew();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        int separator = target.Info.EndOfSequenceTokenIds.Count > 0 ? target.Info.EndOfSequenceTokenIds[0] : tokenizer.EndOfSequenceTokenId ?? 0;
        CorpusLoad corpus = CorpusSplit.Load(options.Corpus, options.IncludePattern, tokenizer, separator, options.HeldOutFraction, options.Seed, work, progress, cancellationToken);
        (TokenCorpus train, TokenCorpus heldOut) = (corpus.Train, corpus.HeldOut);

        // --minutes is the whole run's length: loading the target and tokenizing the corpus come out of it.
        stagesBudget = TrainingBudget.Remaining(options.Budget, total.Elapsed);
        int sequenceLength = options.SequenceLengthFor(target.Info);
        int batchSize = options.BatchSizeFor(sequenceLength);
        EvaluationSet evaluation = EvaluationSet.FromCorpus(heldOut, sequenceLength, 32);
        Lap("corpus", watch, ref cpu, seconds, utilization);

        // 1. Alignment data: the target continues prompts from the training files.
        string dataPath = Path.Combine(work, "alignment.fdad");
        int sequences = 0;
        if (stages.HasFlag(RecipeStages.Data) && !workFolder.HasSealedData(dataPath, progress, out sequences))
        {
            TimeSpan budget = Budget(RecipeStages.Data);
            sequences = await AlignmentDataGenerator.GenerateAsync(
                target,
                train,
                dataPath,
                // A step-count run generates every sequence asked for: its data must not depend on the machine's speed.
                options.AlignmentData with { Seed = options.Seed, TimeBudget = options.StageSteps is null ? budget : null },
                progress is null ? null : new InlineProgress<AlignmentDataProgress>(p => progress.Report(new RecipeProgress("data", $"{p.Sequences} sequences, {p.SequencesPerSecond:F2} seq/s, {p.TokensPerSecond:F0} target tok/s", options.StageSteps is null ? Math.Min(1, p.Elapsed / budget) : (double)p.Sequences / p.TotalSequences, options.StageSteps is null ? budget - p.Elapsed : p.Remaining))),
                cancellationToken).ConfigureAwait(false);
            sequences = workFolder.SealData(dataPath, sequences);
            Lap("data", watch, ref cpu, seconds, utilization);
        }
        else if (stages.HasFlag(RecipeStages.Data))
        {
            Lap("data", watch, ref cpu, seconds, utilization); // sealed by an earlier run: nothing to generate
        }

        // The draft's head: trimmed to the ids the target writes most often in the alignment data, or full.
        int headSize = options.HeadSizeFor(target.Info.VocabularySize);
        if (headSize > 0 && (stages & ~RecipeStages.Data) != 0)
        {
            if (!File.Exists(dataPath))
            {
                throw new InvalidOperationException($"A trimmed draft head (--draft-vocabulary {headSize}) keeps the ids the target writes most often in the alignment data, which this work folder does not hold: run `fastdraft generate-data` (or train-draft) with the same --work first, or pass --draft-vocabulary 0 for the full head.");
            }

            (_, List<AlignmentSequence> ranked, _) = workFolder.ReadSealedData(dataPath);
            spec = spec with { HeadTokenIds = DraftVocabularySelection.Select(spec.VocabularySize, headSize, ranked, train, DraftVocabularySelection.SpecialIds(target.Info, tokenizer)) };
            progress?.Report(new RecipeProgress("corpus", $"draft head: {spec.HeadWidth:N0} of {spec.VocabularySize:N0} ids", 1, TimeSpan.Zero));
        }

        var stage = new StageRunner(spec, new StageSettings(batchSize, sequenceLength, options.Seed, options.TrainingThreads, options.KlWeight) { ExecutionProvider = options.TrainingExecutionProvider, DeviceId = options.TrainingDeviceId }, work, workFolder.Fingerprint, evaluation, progress, cancellationToken);

        // 2. Pretraining on corpus windows (from seeded noise, or with the embedding started from the target's).
        float[]? fresh = stages.HasFlag(RecipeStages.Pretrain) && options.InitializeEmbeddingFromTarget && stage.Finished("pretrain") is null
            ? TargetEmbeddingInit.Parameters(spec, options.Target, options.Seed, new TrainingOptions().InitialStandardDeviation)
            : null;
        StageResult? pretrained = stages.HasFlag(RecipeStages.Pretrain)
            ? await stage.TrainAsync("pretrain", new CorpusBatchSource(train, sequenceLength, WindowOrder.Random, options.Seed), 0, options.PretrainLearningRate, StageBudget(RecipeStages.Pretrain), options.StageSteps, fresh, fromScratch: true).ConfigureAwait(false)
            : stage.Finished("pretrain");
        Lap("pretrain", watch, ref cpu, seconds, utilization);

        // 3. Alignment: the target's continuations (loss on the continuation, KL towards its kept distribution) mixed with corpus windows.
        StageResult? aligned = stage.Finished("align");
        if (stages.HasFlag(RecipeStages.Align))
        {
            StageResult start = pretrained ?? throw Missing("align", "pretrain");
            if (!File.Exists(dataPath))
            {
                throw Missing("align", "generate-data");
            }

            (int topK, List<AlignmentSequence> generated, AlignmentDataSeal seal) = workFolder.ReadSealedData(dataPath);
            sequences = generated.Count;
            var mixed = new MixedBatchSource(
                [
                    (new AlignmentBatchSource(generated, topK, sequenceLength, options.Seed + 1), 1 - options.CorpusShareInAlignment),
                    (new CorpusBatchSource(train, sequenceLength, WindowOrder.Random, options.Seed + 2), options.CorpusShareInAlignment),
                ],
                options.Seed + 3);
            aligned = await stage.TrainAsync("align", new StampedBatchSource(mixed, seal.Stamp()), topK, options.AlignLearningRate, StageBudget(RecipeStages.Align), options.StageSteps, start.Parameters).ConfigureAwait(false);
            Lap("align", watch, ref cpu, seconds, utilization);
        }

        // 4. The equal-compute control: as many steps of the same shape as alignment took, on real data only.
        StageResult? controlled = stage.Finished("control");
        if (stages.HasFlag(RecipeStages.Control))
        {
            StageResult start = pretrained ?? throw Missing("control", "pretrain");
            long steps = (aligned ?? throw Missing("control", "align")).Steps;
            controlled = await stage.TrainAsync("control", new CorpusBatchSource(train, sequenceLength, WindowOrder.Random, options.Seed + 4), 0, options.AlignLearningRate, null, steps, start.Parameters).ConfigureAwait(false);
            Lap("control", watch, ref cpu, seconds, utilization);
        }

        // 5. Export and measure every finished draft.
        var measurements = new List<DraftMeasurement>();
        SpeedupReport? speedup = null;
        bool measure = stages.HasFlag(RecipeStages.Measure);
        if (measure || stages.HasFlag(RecipeStages.Export))
        {
            if (pretrained is null && aligned is null && controlled is null)
            {
                throw RecipeWorkFolder.NothingToExport(work);
            }

            progress?.Report(new RecipeProgress("measure", measure ? "exporting and measuring" : "exporting", 0, TimeSpan.Zero));
            var drafts = new List<(string Name, StageResult? Stage, string Folder)>
            {
                ("pretrained", pretrained, Path.Combine(work, "pretrained")),
                ("aligned", aligned, options.Output),
                ("control", controlled, Path.Combine(work, "control")),
            };
            ParameterLayout layout = DecoderParameters.Layout(spec);
            IReadOnlyList<int[]> prompts = HeldOutPrompts(heldOut, options.MeasurementPrompts, target.Info.ContextLength, options.MeasurementLength, options.Seed);
            IReadOnlyList<ReferenceContinuation> references = measure
                ? await AlphaEvaluator.CreateReferencesAsync(target, prompts, options.MeasurementLength, cancellationToken).ConfigureAwait(false)
                : [];
            foreach ((string name, StageResult? result, string folder) in drafts)
            {
                if (result is null)
                {
                    continue;
                }

                if (name == "aligned")
                {
                    workFolder.RecordExport(folder); // before writing: a run stopped mid-export may overwrite its own partial export
                }

                Export(spec, layout, result.Parameters, folder, options.Target);

                if (!measure)
                {
                    continue;
                }

                using OnnxCausalLM draft = OnnxCausalLM.Load(folder, options.InferenceModelOptions);
                AlphaReport acceptance = AlphaEvaluator.Measure(draft, references, cancellationToken);
                measurements.Add(new DraftMeasurement(name, acceptance, result.HeldOutBitsPerToken, folder));
                progress?.Report(new RecipeProgress("measure", $"{name}: alpha {acceptance.Alpha:F3}", measurements.Count / 3.0, TimeSpan.Zero));
                if (name == "aligned" && options.MeasureSpeedup)
                {
                    // Every eighth prompt: eight prompts whose lengths still span the context.
                    List<int[]> timed = [.. prompts.Where((_, i) => i % Math.Max(1, prompts.Count / 8) == 0).Take(8)];
                    // Measured as `fastdraft eval` measures: the same schedule, statistic and exactness check.
                    speedup = SpeedupMeasurement.Measure(target, draft.AsDraft(), timed, options.MeasurementLength, 2, null, null, cancellationToken);
                }
            }

            Lap("measure", watch, ref cpu, seconds, utilization);
        }

        seconds["total"] = total.Elapsed.TotalSeconds;
        return new DraftRecipeResult(measurements, seconds, speedup, sequences, train.FileCount, heldOut.FileCount) { CpuUtilization = utilization, SequenceLength = sequenceLength, PeakMemoryBytes = PeakMemory.Bytes(), DraftShape = options.ShapeInForce, DraftCostRatio = costRatio, Warnings = warnings };
    }

    /// <summary>Held-out prompts of lengths spread across the context (see <see cref="AlphaEvaluator.SpreadPrompts"/>).</summary>
    internal static IReadOnlyList<int[]> HeldOutPrompts(TokenCorpus heldOut, int count, int contextLength, int continuationLength, ulong seed)
    {
        int[] tokens = new int[heldOut.TokenCount];
        heldOut.CopyTo(0, tokens);
        return AlphaEvaluator.SpreadPrompts(tokens, count, contextLength, continuationLength, seed);
    }

    /// <summary>The draft as the cost check should time it: a trimmed head's step costs its width M, whichever ids it keeps (chosen later, from the alignment data).</summary>
    private static DecoderSpec CostShape(DecoderSpec spec, int headSize) =>
        headSize > 0 ? spec with { HeadTokenIds = [.. Enumerable.Range(0, headSize)] } : spec;

    private static void Export(DecoderSpec spec, ParameterLayout layout, float[] parameters, string folder, string tokenizerFolder)
    {
        DecoderParameters.Export(spec, layout, parameters, folder);
        TokenizerFiles.Copy(tokenizerFolder, folder);
        string vocabularyFile = Path.Combine(folder, DraftVocabularySelection.FileName);
        if (spec.HeadTokenIds is { } kept)
        {
            DraftVocabularySelection.Write(folder, spec.VocabularySize, kept);
        }
        else if (File.Exists(vocabularyFile))
        {
            File.Delete(vocabularyFile); // an earlier trimmed export's list, which this full-head draft does not have
        }
    }

    private static InvalidOperationException Missing(string stage, string needed) =>
        new($"The {stage} stage needs the result of '{needed}', which this work folder does not hold: run `fastdraft {needed}` (or train-draft) with the same --work first.");

    private static double Lap(Stopwatch watch)
    {
        double elapsed = watch.Elapsed.TotalSeconds;
        watch.Restart();
        return elapsed;
    }

    /// <summary>Records a stage's wall time, and its CPU time ÷ wall time since the last lap.</summary>
    private static void Lap(string stage, Stopwatch watch, ref TimeSpan cpu, Dictionary<string, double> seconds, Dictionary<string, double> utilization)
    {
        TimeSpan now = Process.GetCurrentProcess().TotalProcessorTime;
        double elapsed = Lap(watch);
        seconds[stage] = elapsed;
        if (elapsed >= 1)
        {
            // A stage that only found its result in the work folder took no time worth a ratio.
            utilization[stage] = (now - cpu).TotalSeconds / elapsed;
        }

        cpu = now;
    }
}
