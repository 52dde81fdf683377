using System.CommandLine;
using System.Text.Json;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary>The <c>fastdraft</c> command line: the FastDraft recipe's steps as commands, the whole recipe as <c>train-draft</c>, evaluation, generation and chat.</summary>
internal static class ToolApp
{
    /// <summary>Exit code when the job failed at run time (one line on stderr naming the failure).</summary>
    public const int Failed = ExitCodes.Failed;

    /// <summary>Exit code for bad arguments or unusable inputs (one line on stderr).</summary>
    public const int UsageError = ExitCodes.UsageError;

    /// <summary>Exit code after Ctrl-C (the work folder stays resumable).</summary>
    public const int Cancelled = ExitCodes.Cancelled;

    /// <summary>Runs the tool with no console input (<c>chat</c> ends at once).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, TextReader.Null, output, error, cancellationToken);

    /// <summary>Runs the tool, reading <c>chat</c>'s turns from <paramref name="input"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        RootCommand root = BuildCommands(input, output, error);

        // No response files: a prompt or a stop string may start with '@'.
        ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {parsed.Errors[0].Message} (try --help)").ConfigureAwait(false);
            return ExitCodes.UsageError;
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
                bool resumable = parsed.CommandResult.Command.Name is not ("eval" or "acceptance" or "generate" or "chat" or "train-model");
                await error.WriteLineAsync(resumable ? "stopped: run the same command again to resume from the work folder." : "stopped.").ConfigureAwait(false);
                return ExitCodes.Cancelled;
            }

            if (ex is GenerationException)
            {
                // The inputs were accepted, and the run itself failed (a model produced NaN logits, say).
                await error.WriteLineAsync($"error: {FirstLine(ex.Message)}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            if (ex is ArgumentException or IOException or InvalidDataException or InvalidOperationException or UnauthorizedAccessException or NotSupportedException or InvalidModelException or ModelNotSupportedException or JsonException or FormatException or OverflowException)
            {
                await error.WriteLineAsync($"error: {FirstLine(ex.Message)}").ConfigureAwait(false);
                return ExitCodes.UsageError;
            }

            // Anything else failed the job at run time; still one line, never a stack trace.
            await error.WriteLineAsync($"error: the job failed ({ex.GetType().Name}): {FirstLine(ex.Message)}").ConfigureAwait(false);
            return ExitCodes.Failed;
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

    private static RootCommand BuildCommands(TextReader input, TextWriter output, TextWriter error)
    {
        var root = new RootCommand(ExitCodes.Describe(
            "fastdraft: train a FastDraft draft for an ONNX Runtime GenAI target (pretrain on a corpus, align on text the target generates), measure it, evaluate a pair before deploying it (eval), and try it (generate, chat).",
            "a check failed (eval's quality gate; speculative tokens differing from target-only's)"));
        root.Subcommands.Add(RecipeCommand.Create("train-draft", "Runs the whole recipe within about --minutes: alignment data, pretraining, alignment (and with --control the equal-compute control), export into --out, measurement.", RecipeStages.All, wholeRecipe: true, output, error));
        root.Subcommands.Add(TrainModelCommand.Create(output, error));
        root.Subcommands.Add(AcceptanceCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(GenerateCommand.Create(output, error));
        root.Subcommands.Add(ChatCommand.Create(input, output, error));
        root.Subcommands.Add(RenderChatCommand.Create(output, error));
        root.Subcommands.Add(RecipeCommand.Create("generate-data", "The target continues prompts cut from the corpus's training files; appended to <work>/alignment.fdad, resumable.", RecipeStages.Data, false, output, error));
        root.Subcommands.Add(RecipeCommand.Create("pretrain", "Pretrains the draft on corpus windows for --minutes; checkpointed in the work folder.", RecipeStages.Pretrain, false, output, error));
        root.Subcommands.Add(RecipeCommand.Create("align", "Fine-tunes the pretrained draft on the target's continuations (plus corpus windows) for --minutes.", RecipeStages.Align, false, output, error));
        root.Subcommands.Add(RecipeCommand.Create("control", "Continues pretraining on real data only for as many steps as alignment took (the equal-compute control).", RecipeStages.Control, false, output, error));
        root.Subcommands.Add(RecipeCommand.Create("export", "Exports the finished drafts: the aligned one into --out, the others into the work folder.", RecipeStages.Export, false, output, error));
        root.Subcommands.Add(RecipeCommand.Create("measure", "Exports the finished drafts and reports α (teacher-forced on held-out prompts), held-out bits per token and the decode speed-up.", RecipeStages.Measure, false, output, error));
        return root;
    }
}
