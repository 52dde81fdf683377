using System.CommandLine;
using FastDraft.ModelWriter;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary>The options the recipe commands share, and their reading into <see cref="DraftRecipeOptions"/>.</summary>
internal sealed class RecipeCommandOptions(RecipeStages stages, bool fixedInterface)
{
    private readonly Option<string> _target = new("--target") { Description = "The target model folder (ONNX Runtime GenAI format with tokenizer files).", Required = true };
    private readonly Option<string> _corpus = new("--corpus") { Description = "A folder of text files (recursive, see --include) or a text file listing paths one per line.", Required = true };
    private readonly Option<string?> _out = new("--out") { Description = "Where the aligned draft goes (an ONNX Runtime GenAI folder with the target's tokenizer files).", Required = fixedInterface };
    private readonly Option<string?> _work = new("--work") { Description = "The folder for intermediate files (data, checkpoints, other drafts); default <out>.work. A rerun resumes from it." };
    private readonly Option<double> _minutes = new("--minutes") { Description = "Wall-clock budget in minutes, shared among the stages run.", DefaultValueFactory = _ => 20 };
    private readonly Option<int?> _steps = new("--steps") { Description = "Train a fixed number of optimizer steps in pretraining and in alignment (the control takes as many) and generate every alignment sequence, instead of sharing --minutes: a run that reproduces its figures exactly when repeated or resumed on the same machine." };
    private readonly Option<int> _layers = new("--layers") { Description = "Draft layers.", DefaultValueFactory = _ => 2 };
    private readonly Option<int> _hidden = new("--hidden") { Description = "Draft width.", DefaultValueFactory = _ => 128 };
    private readonly Option<int> _heads = new("--heads") { Description = "Draft query heads.", DefaultValueFactory = _ => 4 };
    private readonly Option<int> _kvHeads = new("--kv-heads") { Description = "Draft key/value heads.", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _intermediate = new("--intermediate") { Description = "Draft SwiGLU hidden size.", DefaultValueFactory = _ => 352 };
    private readonly Option<bool> _control = new("--control") { Description = "Also train the equal-compute control (real data only) and report its α." };
    private readonly Option<string> _include = new("--include") { Description = "File-name pattern for a corpus folder.", DefaultValueFactory = _ => "*.py" };
    private readonly Option<ulong> _seed = new("--seed") { Description = "Seed of the split, initialisation, data order and sampling.", DefaultValueFactory = _ => 1234 };
    private readonly Option<int> _topK = new("--top-k") { Description = "Target distribution entries kept per generated position for the KL term (0: cross-entropy only).", DefaultValueFactory = _ => 8 };
    private readonly Option<int?> _batch = new("--batch-size") { Description = "Sequences per optimizer step (default: 4,096 tokens per step)." };
    private readonly Option<int?> _sequence = new("--sequence-length") { Description = "Tokens per training sequence (default: the target's context, at most 4,096; a draft is only trained for the positions its windows reach)." };
    private readonly Option<int> _prompts = new("--measure-prompts") { Description = "Held-out prompts α is measured on.", DefaultValueFactory = _ => 64 };
    private readonly Option<int?> _threads = new("--threads") { Description = $"ONNX Runtime intra-op threads for training (default: the processors available, {Environment.ProcessorCount} here)." };
    private readonly Option<bool> _force = new("--force") { Description = "Overwrite an --out folder that already holds files (without it such a folder is refused, unless it holds this work folder's own earlier export)." };
    private readonly Option<bool> _restart = new("--restart") { Description = "Delete the work folder's stage files (data, checkpoints, finished stages, run.json) and start over; without it a work folder made by another run (target, corpus, seed, shape, ...) is refused." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object as the last line (alpha_pretrained, alpha_aligned, alpha_control, seconds per stage, ...)." };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _target, _corpus, _out, _work, _minutes, _steps, _layers, _hidden, _heads, _kvHeads, _intermediate, _control, _include, _seed, _topK, _batch, _sequence, _prompts, _threads, _force, _restart, Json })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetValue(_out) is null && result.GetValue(_work) is null)
            {
                result.AddError("Give --out or --work: the stages keep their results in the work folder.");
            }

        });
    }

    public DraftRecipeOptions Read(ParseResult parsed)
    {
        // Every number is checked here, by the option's name, before the recipe loads the target or reads the corpus.
        foreach ((Option<int> option, int least, int most) in new[] { (_layers, 1, 64), (_hidden, 16, 8192), (_heads, 1, 256), (_kvHeads, 1, 256), (_intermediate, 1, 65536), (_prompts, 1, 100_000), (_topK, 0, 256) })
        {
            ToolArguments.InRange(parsed.GetValue(option), least, most, option.Name);
        }

        foreach ((Option<int?> option, int least, int most) in new[] { (_batch, 1, 4096), (_sequence, 8, 65536), (_steps, 20, 10_000_000) })
        {
            if (parsed.GetValue(option) is int value)
            {
                ToolArguments.InRange(value, least, most, option.Name);
            }
        }

        ToolArguments.CheckHeads(parsed.GetValue(_hidden), parsed.GetValue(_heads), parsed.GetValue(_kvHeads));
        int? threads = ToolArguments.Threads(parsed.GetValue(_threads));
        TimeSpan budget = ToolArguments.Budget(parsed.GetValue(_minutes));
        string? output = parsed.GetValue(_out);
        string work = parsed.GetValue(_work) ?? output!.TrimEnd('/', '\\') + ".work";
        RecipeStages selected = stages;
        if (parsed.GetValue(_control))
        {
            selected |= RecipeStages.Control;
        }

        return new DraftRecipeOptions
        {
            Target = parsed.GetValue(_target)!,
            Corpus = parsed.GetValue(_corpus)!,
            Output = output ?? Path.Combine(work, "aligned"),
            WorkFolder = work,
            Stages = selected,
            Budget = budget,
            Shape = new DecoderSpec
            {
                Layers = parsed.GetValue(_layers),
                HiddenSize = parsed.GetValue(_hidden),
                Heads = parsed.GetValue(_heads),
                KeyValueHeads = parsed.GetValue(_kvHeads),
                IntermediateSize = parsed.GetValue(_intermediate),
            },
            IncludePattern = parsed.GetValue(_include)!,
            Seed = parsed.GetValue(_seed),
            AlignmentData = DraftRecipeOptions.DefaultAlignmentData with { TopK = parsed.GetValue(_topK) },
            BatchSize = parsed.GetValue(_batch),
            SequenceLength = parsed.GetValue(_sequence),
            StageSteps = parsed.GetValue(_steps),
            MeasurementPrompts = parsed.GetValue(_prompts),
            TrainingThreads = threads,
            OverwriteOutput = parsed.GetValue(_force),
            Restart = parsed.GetValue(_restart),
        };
    }
}
