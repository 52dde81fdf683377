using System.CommandLine;
using System.Text.Json;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary>The <c>fastdraft</c> command line: the FastDraft recipe's stages as commands, and the whole recipe as <c>train-draft</c>.</summary>
internal static class ToolApp
{
    /// <summary>Exit code for an unexpected failure (one line on stderr naming the exception; a bug to report).</summary>
    public const int InternalError = 1;

    /// <summary>Exit code for bad arguments or unusable inputs (one line on stderr).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code after Ctrl-C (the work folder stays resumable).</summary>
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        RootCommand root = BuildCommands(output, error);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {parsed.Errors[0].Message} (try --help)").ConfigureAwait(false);
            return UsageError;
        }

        try
        {
            // Ctrl-C cancels the token; a training step (seconds on a big shape) and the checkpoint written after it
            // must finish before the process ends, so the wait is longer than System.CommandLine's default two seconds.
            var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromMinutes(1) };
            return await parsed.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception thrown)
        {
            // Parallel work (corpus tokenization) reports its failure wrapped; the one inside is what the user must hear.
            Exception ex = Unwrap(thrown);
            if (ex is OperationCanceledException)
            {
                bool resumable = parsed.CommandResult.Command.Name is not ("eval" or "acceptance");
                await error.WriteLineAsync(resumable ? "stopped: run the same command again to resume from the work folder." : "stopped.").ConfigureAwait(false);
                return Cancelled;
            }

            if (ex is ArgumentException or IOException or InvalidDataException or InvalidOperationException or UnauthorizedAccessException or NotSupportedException or InvalidModelException or ModelNotSupportedException or JsonException or FormatException or OverflowException)
            {
                await error.WriteLineAsync($"error: {FirstLine(ex.Message)}").ConfigureAwait(false);
                return UsageError;
            }

            // Anything else is a fault of the tool, not of the input; still one line, never a stack trace.
            await error.WriteLineAsync($"internal error ({ex.GetType().Name}): {FirstLine(ex.Message)}").ConfigureAwait(false);
            return InternalError;
        }
    }

    /// <summary>Unwraps aggregates that hold a single failure (nested ones included), so it is reported as itself.</summary>
    internal static Exception Unwrap(Exception ex)
    {
        while (ex is AggregateException aggregate && aggregate.InnerExceptions.Count == 1)
        {
            ex = aggregate.InnerExceptions[0];
        }

        if (ex is AggregateException many && many.InnerExceptions.Select(Unwrap).ToList() is { Count: > 0 } inner && inner.All(e => e.GetType() == inner[0].GetType()))
        {
            return inner[0]; // several files failed the same way: the first names one of them
        }

        return ex;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private static RootCommand BuildCommands(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("fastdraft: train a FastDraft draft for an ONNX Runtime GenAI target (pretrain on a corpus, align on text the target generates), measure it, and evaluate a pair before deploying it (eval).");
        root.Subcommands.Add(Recipe("train-draft", "Runs the whole recipe within about --minutes: alignment data, pretraining, alignment (and with --control the equal-compute control), export into --out, measurement.", RecipeStages.All, fixedInterface: true, output, error));
        root.Subcommands.Add(TrainModelCommand.Create(output, error));
        root.Subcommands.Add(AcceptanceCommand.Create(output));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(RenderChatCommand.Create(output, error));
        root.Subcommands.Add(Recipe("generate-data", "The target continues prompts cut from the corpus's training files; appended to <work>/alignment.fdad, resumable.", RecipeStages.Data, false, output, error));
        root.Subcommands.Add(Recipe("pretrain", "Pretrains the draft on corpus windows for --minutes; checkpointed in the work folder.", RecipeStages.Pretrain, false, output, error));
        root.Subcommands.Add(Recipe("align", "Fine-tunes the pretrained draft on the target's continuations (plus corpus windows) for --minutes.", RecipeStages.Align, false, output, error));
        root.Subcommands.Add(Recipe("control", "Continues pretraining on real data only for as many steps as alignment took (the equal-compute control).", RecipeStages.Control, false, output, error));
        root.Subcommands.Add(Recipe("export", "Exports the finished drafts: the aligned one into --out, the others into the work folder.", RecipeStages.Export, false, output, error));
        root.Subcommands.Add(Recipe("measure", "Exports the finished drafts and reports α (teacher-forced on held-out prompts), held-out bits per token and the decode speed-up.", RecipeStages.Measure, false, output, error));
        return root;
    }

    private static Command Recipe(string name, string description, RecipeStages stages, bool fixedInterface, TextWriter output, TextWriter error)
    {
        var options = new RecipeCommandOptions(stages, fixedInterface);
        var command = new Command(name, description);
        options.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            DraftRecipeOptions recipe = options.Read(parsed);
            bool json = parsed.GetValue(options.Json);
            using ProgressDisplay display = ProgressDisplay.For(error);
            DraftRecipeResult result = await DraftRecipe.RunAsync(recipe, display, cancellationToken).ConfigureAwait(false);
            display.Finish();
            Report.Write(result, recipe, json, output);
            if (result.Speedup is { IdenticalOutputs: false })
            {
                // Speculative decoding must reproduce target-only's tokens: a difference is a failure, not a footnote.
                await error.WriteLineAsync("error: the speed-up measurement's speculative tokens differ from target-only's; the draft was exported, but decoding with it was not exact.").ConfigureAwait(false);
                return EvalCommand.QualityGateFailed;
            }

            return 0;
        });
        return command;
    }
}
