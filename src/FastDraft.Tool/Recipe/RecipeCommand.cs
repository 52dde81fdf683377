using System.CommandLine;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary><c>train-draft</c> and its steps as commands of their own (<c>generate-data</c>, <c>pretrain</c>, <c>align</c>, <c>control</c>, <c>export</c>, <c>measure</c>).</summary>
internal static class RecipeCommand
{
    private const string Differs = "the speed-up measurement's speculative tokens differed from target-only's";

    public static Command Create(string name, string description, RecipeStages stages, bool wholeRecipe, TextWriter output, TextWriter error)
    {
        var options = new RecipeCommandOptions(stages, wholeRecipe);
        bool measures = wholeRecipe || stages.HasFlag(RecipeStages.Measure);
        var command = new Command(name, ExitCodes.Describe(description, measures ? Differs : null));
        options.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            DraftRecipeOptions recipe = options.Read(parsed);
            bool json = parsed.GetValue(options.Json);
            using ProgressDisplay display = ProgressDisplay.For(error);
            DraftRecipeResult result = await DraftRecipe.RunAsync(recipe, display, cancellationToken).ConfigureAwait(false);
            display.Finish();

            // With --json, stdout holds the document alone; the table a person reads goes to stderr.
            RecipeReport.WriteTable(result, recipe, json ? error : output);
            if (json)
            {
                ToolJson.Write(output, RecipeReport.Json(result, recipe));
            }

            if (result.Speedup is { IdenticalOutputs: false })
            {
                // Speculative decoding must reproduce target-only's tokens: a difference is a failure, not a footnote.
                await error.WriteLineAsync($"error: {Differs}; the draft was exported, but decoding with it was not exact.").ConfigureAwait(false);
                return ExitCodes.CheckFailed;
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
