using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;

namespace FastDraft.Tool;

/// <summary>
/// <c>fastdraft generate</c>: one generation with the target alone, a draft or n-gram lookup, so a pair can be tried
/// without cloning the demo; the options and the <c>--json</c> document are the demo's <c>generate</c>'s (plus
/// <c>--prompt-file</c>, the execution provider and <c>schema_version</c>).
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var shared = new GenerationCommandOptions("The most tokens to generate (without this option, fewer when the context fills first).");
        Option<int[]?> promptIds = PromptIdsOption();
        Option<string?> prompt = PromptOption();
        var promptFile = new Option<string?>("--prompt-file") { Description = "A UTF-8 file whose whole text is the prompt (as --prompt).", HelpName = "PATH" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document on stdout and nothing else: {\"schema_version\":1,\"ids\":[...],\"stats\":{...}}, with \"prompt_ids\" and \"text\" for a text prompt (the demo's generate --json, plus schema_version)." };
        var command = new Command("generate", ExitCodes.Describe(
            "Decodes with the target alone, or speculatively with a draft model (--draft) or n-gram lookup (--ngram); greedy unless --temperature is above 0. " +
            "The prompt is one of --prompt-ids (prints ids), --prompt or --prompt-file (streams text)."));
        command.Options.Add(promptIds);
        command.Options.Add(prompt);
        command.Options.Add(promptFile);
        shared.AddTo(command);
        command.Options.Add(json);
        var constraint = new JsonConstraintOptions(
            "Constrains the output to one JSON value (compact; ends at the model's end-of-sequence once the value is complete).",
            "Constrains the output to JSON this schema file allows.");
        constraint.AddTo(command);
        RequireOnePrompt(
            command,
            "generate needs exactly one of --prompt-ids (comma-separated token ids), --prompt TEXT or --prompt-file PATH",
            r => r.GetResult(promptIds) is not null,
            r => r.GetResult(prompt) is not null,
            r => r.GetResult(promptFile) is not null);

        command.SetAction(async (parsed, cancellationToken) =>
        {
            int[]? ids = parsed.GetResult(promptIds) is null ? null : parsed.GetValue(promptIds);
            string? text = parsed.GetValue(promptFile) is string path ? await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false) : parsed.GetValue(prompt);
            if (ids is not null && shared.HasStops(parsed))
            {
                throw new ArgumentException("--stop needs a text prompt (--prompt or --prompt-file): it matches text.");
            }

            GenerationOptions options = shared.Read(parsed);
            bool constrained = constraint.IsGiven(parsed);
            using GenerationPair pair = shared.Load(parsed, withTokenizer: ids is null || constrained || options.StopSequences is { Count: > 0 });
            if (constrained)
            {
                options = options with { Constraint = constraint.Create(parsed, pair.Tokenizer!) };
            }

            int[] promptTokens = ids ?? [.. pair.Tokenizer!.Encode(text!)];
            bool asJson = parsed.GetValue(json);
            var stats = new GenerationStats();
            var generated = new List<int>();
            var generatedText = new StringBuilder();
            await foreach (GeneratedToken token in pair.Generator.GenerateAsync(promptTokens, options, stats, cancellationToken).ConfigureAwait(false))
            {
                generated.Add(token.Id);
                generatedText.Append(token.Text);
                if (!asJson && text is not null)
                {
                    await output.WriteAsync(token.Text).ConfigureAwait(false); // streamed as it is generated
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            if (asJson)
            {
                ToolJson.Write(output, GenerationJson.Document(text is null ? null : promptTokens, text is null ? null : generatedText.ToString(), generated, stats, constrained));
            }
            else
            {
                await output.WriteLineAsync(text is not null ? string.Empty : string.Join(' ', generated)).ConfigureAwait(false);
                await error.WriteLineAsync(stats.ToString()).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Creates <c>--prompt-ids</c>, as the tool's and the demo's <c>generate</c> name and parse it.</summary>
    public static Option<int[]?> PromptIdsOption() =>
        new("--prompt-ids") { Description = "The prompt as comma-separated token ids; prints the generated ids.", HelpName = "1,2,3", Arity = ArgumentArity.ExactlyOne, CustomParser = Ids };

    /// <summary>Creates <c>--prompt</c>, as the tool's and the demo's <c>generate</c> name it.</summary>
    public static Option<string?> PromptOption() =>
        new("--prompt") { Description = "The prompt as text, encoded with the target folder's tokenizer; streams the generated text.", HelpName = "TEXT" };

    /// <summary>Adds the check that exactly one of the prompt options (each <paramref name="given"/> says whether one is) was given.</summary>
    public static void RequireOnePrompt(Command command, string error, params Func<CommandResult, bool>[] given) =>
        command.Validators.Add(result =>
        {
            if (given.Count(g => g(result)) != 1)
            {
                result.AddError(error);
            }
        });

    private static int[]? Ids(ArgumentResult result)
    {
        string[] parts = result.Tokens[0].Value.Split(',', StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]) || ids[i] < 0)
            {
                result.AddError($"--prompt-ids must be comma-separated non-negative integers; '{parts[i]}' is not one");
                return null;
            }
        }

        return ids;
    }
}
