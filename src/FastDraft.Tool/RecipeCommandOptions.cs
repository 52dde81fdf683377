using System.CommandLine;
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

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object as the last line (alpha_pretrained, alpha_aligned, alpha_control, seconds per stage, ...)." };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _target, _corpus, _out, _work, _minutes, _layers, _hidden, _heads, _kvHeads, _intermediate, _control, _include, _seed, _topK, _batch, _sequence, _prompts, _threads, Json })
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
        foreach (Option<int> positive in new[] { _layers, _hidden, _heads, _kvHeads, _intermediate, _prompts })
        {
            if (parsed.GetValue(positive) < 1)
            {
                throw new ArgumentException($"{positive.Name} must be at least 1; got {parsed.GetValue(positive)}.");
            }
        }

        foreach (Option<int?> positive in new[] { _batch, _sequence })
        {
            if (parsed.GetValue(positive) is < 1)
            {
                throw new ArgumentException($"{positive.Name} must be at least 1; got {parsed.GetValue(positive)}.");
            }
        }

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
            Shape = new DraftShape
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
            MeasurementPrompts = parsed.GetValue(_prompts),
            TrainingThreads = parsed.GetValue(_threads),
        };
    }
}
