using System.CommandLine;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary>
/// The options of the recipe's commands, and their reading into <see cref="DraftRecipeOptions"/>. A step command lists
/// only what it uses: every one takes what the work folder's fingerprint records (target, corpus, seed, shape, window,
/// steps, kept teacher distribution), since a differing run is refused; the budget, batch, threads, measurement and
/// overwrite options only where a step of the command uses them (elsewhere they are hidden, accepted and ignored).
/// </summary>
internal sealed class RecipeCommandOptions
{
    private const RecipeStages Training = RecipeStages.Pretrain | RecipeStages.Align | RecipeStages.Control;
    private const RecipeStages Writing = RecipeStages.Export | RecipeStages.Measure;

    // The stages that run the target or a draft for inference, or a training graph: those --execution-provider reaches.
    private const RecipeStages ProviderStages = RecipeStages.Data | RecipeStages.Measure | Training;
    private readonly RecipeStages _stages;
    private readonly bool _wholeRecipe;
    private readonly HashSet<Option> _used = [];
    private readonly Option<string> _target = new("--target") { Description = "The target model folder (ONNX Runtime GenAI format with tokenizer files).", Required = true };
    private readonly Option<string?> _out;
    private readonly CorpusOptions _corpus = new(
        "The folder for intermediate files (data, checkpoints, other drafts); default <out>.work. A rerun resumes from it.",
        "Tokens per training sequence (default: the target's context, at most 4,096; a draft is only trained for the positions its windows reach).");

    private readonly ShapeOptions _shape = ShapeOptions.Draft();
    private readonly ExecutionProviderOptions _executionProvider = new();
    private readonly Option<double> _minutes = new("--minutes") { Description = "Wall-clock budget in minutes, shared among the steps run.", DefaultValueFactory = _ => 20 };
    private readonly Option<int?> _steps = new("--steps") { Description = "Train a fixed number of optimizer steps in pretraining and in alignment (the control takes as many) and generate every alignment sequence, instead of sharing --minutes: a run that reproduces its figures exactly when repeated or resumed on the same machine." };
    private readonly Option<bool> _control = new("--control") { Description = "Also train the equal-compute control (real data only) and report its α." };
    private readonly RenamedOption<int> _teacherTopK = new(new Option<int>("--teacher-top-k") { Description = "Target distribution entries kept per generated position for the KL term of alignment (0: cross-entropy only).", DefaultValueFactory = _ => 8 }, "--top-k");
    private readonly Option<string?> _draftVocabulary = new("--draft-vocabulary") { Description = "Ids the draft's LM head scores: the M the target writes most often in the alignment data, plus the special tokens (the exported draft keeps the target's full width, so decoding stays exact). 0 or 'full': the whole vocabulary. Default: a quarter of the vocabulary, at least 8,192, from 16,384 ids up; the full head below." };
    private readonly Option<int> _dataBatchSize = new("--data-batch-size") { Description = "Alignment sequences the target continues together, one forward pass per step for all of them (1: one at a time, the top-k distribution from a second pass). Part of what the data is: a work folder records it.", DefaultValueFactory = _ => 8 };
    private readonly Option<bool> _embeddingFromTarget = new("--init-embedding-from-target") { Description = "Start the draft's token embedding from the target's, projected to the draft's width by PCA (tied head follows); part of what the work folder records." };
    private readonly Option<int> _prompts = new("--measure-prompts") { Description = "Held-out prompts α is measured on.", DefaultValueFactory = _ => 64 };
    private readonly Option<bool> _force = new("--force") { Description = "Overwrite an --out folder that already holds files (without it such a folder is refused, unless it holds this work folder's own earlier export)." };
    private readonly Option<bool> _restart = new("--restart") { Description = "Delete the work folder's stage files (data, checkpoints, finished stages, run.json) and start over; without it a work folder made by another run (target, corpus, seed, shape, ...) is refused." };

    public RecipeCommandOptions(RecipeStages stages, bool wholeRecipe)
    {
        _stages = stages;
        _wholeRecipe = wholeRecipe;
        _out = new("--out") { Description = "Where the aligned draft goes (an ONNX Runtime GenAI folder with the target's tokenizer files).", Required = wholeRecipe };
    }

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document on stdout and nothing else (the table goes to stderr): schema_version, alpha_pretrained, alpha_aligned, alpha_control, seconds per step, ..." };

    public void AddTo(Command command)
    {
        // Options a step does not use are hidden and ignored rather than refused: a script that passes the recipe's
        // options to every step keeps working, and --help lists what the step uses.
        var uses = new Dictionary<Option, bool>
        {
            [_target] = true,
            [_corpus.Corpus] = true,
            [_corpus.Include] = true,
            [_out] = true,
            [_corpus.Work] = true,
            [_corpus.Seed] = true,
            [_minutes] = Uses(RecipeStages.Data | RecipeStages.Pretrain | RecipeStages.Align),
            [_steps] = true,
            [_draftVocabulary] = true,
            [_control] = _wholeRecipe || Uses(RecipeStages.Align),
            [_corpus.BatchSize] = Uses(Training),
            [_corpus.SequenceLength] = true,
            [_embeddingFromTarget] = true, // recorded by the fingerprint too
            [_dataBatchSize] = true, // recorded by the work folder's fingerprint, so every step takes it
            [_prompts] = Uses(RecipeStages.Measure),
            [_corpus.Threads] = Uses(Training),
            [_force] = Uses(Writing),
            [_restart] = Uses(RecipeStages.Data | RecipeStages.Pretrain),
        };
        foreach ((Option option, bool used) in uses)
        {
            option.Hidden = !used;
            command.Options.Add(option);
            if (used)
            {
                _used.Add(option);
            }
        }

        _shape.AddTo(command);
        _executionProvider.AddTo(command, hidden: !Uses(ProviderStages));
        _teacherTopK.AddTo(command);
        command.Options.Add(Json);
        command.Validators.Add(result =>
        {
            if (result.GetValue(_out) is null && result.GetValue(_corpus.Work) is null)
            {
                result.AddError("Give --out or --work: the steps keep their results in the work folder.");
            }
        });
    }

    public DraftRecipeOptions Read(ParseResult parsed)
    {
        // Every number is checked here, by the option's name, before the recipe loads the target or reads the corpus.
        // No size given: null, and the recipe takes the target's default shape. Some given: the others from that default
        // (read from the target's configuration, no model loaded; the fixed demo shape when the folder states none).
        string targetFolder = parsed.GetValue(_target)!;
        DecoderSpec? shape = _shape.AnyGiven(parsed) ? _shape.Read(parsed, DraftRecipeOptions.DefaultShapeFor(targetFolder)) : null;
        (int topK, string topKName) = _teacherTopK.Read(parsed);
        ToolArguments.InRange(topK, 0, 256, topKName);
        int dataBatch = ToolArguments.InRange(parsed.GetValue(_dataBatchSize), 1, AlignmentDataOptions.MaxBatchSize, _dataBatchSize.Name);
        int prompts = ToolArguments.InRange(Get(parsed, _prompts, 64), 1, 100_000, _prompts.Name);
        int? batch = _used.Contains(_corpus.BatchSize) ? CorpusOptions.Optional(parsed, _corpus.BatchSize, 1, 4096) : null;
        int? sequence = CorpusOptions.Optional(parsed, _corpus.SequenceLength, 8, 65536);
        int? steps = CorpusOptions.Optional(parsed, _steps, 20, 10_000_000);
        int? draftVocabulary = ReadDraftVocabulary(parsed.GetValue(_draftVocabulary));
        int? threads = ToolArguments.Threads(Get(parsed, _corpus.Threads, null));
        TimeSpan budget = ToolArguments.Budget(Get(parsed, _minutes, 20));
        string? output = parsed.GetValue(_out);
        string work = parsed.GetValue(_corpus.Work) ?? output!.TrimEnd('/', '\\') + ".work";
        (ExecutionProvider provider, int deviceId) = Uses(ProviderStages) ? _executionProvider.ReadProvider(parsed) : (ExecutionProvider.Cpu, 0);
        RecipeStages selected = _stages | (Get(parsed, _control, false) ? RecipeStages.Control : RecipeStages.None);
        return new DraftRecipeOptions
        {
            Target = parsed.GetValue(_target)!,
            Corpus = parsed.GetValue(_corpus.Corpus)!,
            Output = output ?? Path.Combine(work, "aligned"),
            WorkFolder = work,
            Stages = selected,
            Budget = budget,
            Shape = shape,
            IncludePattern = parsed.GetValue(_corpus.Include)!,
            Seed = parsed.GetValue(_corpus.Seed),
            AlignmentData = DraftRecipeOptions.DefaultAlignmentData with { TopK = topK, BatchSize = dataBatch },
            BatchSize = batch,
            InitializeEmbeddingFromTarget = parsed.GetValue(_embeddingFromTarget),
            SequenceLength = sequence,
            StageSteps = steps,
            DraftVocabulary = draftVocabulary,
            MeasurementPrompts = prompts,
            TrainingThreads = threads,
            InferenceModelOptions = Uses(ProviderStages) ? _executionProvider.Read(parsed) : null,
            TrainingExecutionProvider = provider,
            TrainingDeviceId = deviceId,
            OverwriteOutput = Get(parsed, _force, false),
            Restart = Get(parsed, _restart, false),
        };
    }

    /// <summary>Reads <c>--draft-vocabulary</c>: a count, 0 or <c>full</c> for the whole vocabulary, absent for the default.</summary>
    private int? ReadDraftVocabulary(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (string.Equals(text, "full", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int size))
        {
            throw new ArgumentException($"{_draftVocabulary.Name} takes a number of ids or 'full'; got '{text}'.");
        }

        return ToolArguments.InRange(size, 0, 10_000_000, _draftVocabulary.Name);
    }

    /// <summary>An option's value, or <paramref name="unused"/> when this command does not use it (a hidden option's value is ignored).</summary>
    private T Get<T>(ParseResult parsed, Option<T> option, T unused) => _used.Contains(option) ? parsed.GetValue(option)! : unused;

    private bool Uses(RecipeStages stages) => (_stages & stages) != 0;
}
