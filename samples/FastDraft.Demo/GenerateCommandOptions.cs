using System.CommandLine;
using FastDraft.Tool;

namespace FastDraft.Demo;

/// <summary>
/// The options of <c>generate</c> (System.CommandLine), read into <see cref="GenerateArguments"/>: the pair, length,
/// stops and sampling are the <c>fastdraft</c> tool's (<see cref="GenerationCommandOptions"/>, without its execution
/// provider), so the two commands name, parse and check them alike, as are <c>--json-object</c> and
/// <c>--json-schema</c> (<see cref="JsonConstraintOptions"/>); <c>--chat</c> and <c>--json</c> are the demo's.
/// </summary>
internal sealed class GenerateCommandOptions
{
    private readonly GenerationCommandOptions _shared = new(
        "The most tokens to generate (without this option, fewer when the context fills first).",
        "Ends the text before this string (repeatable; needs --prompt or --chat).",
        withExecutionProvider: false);

    private readonly Option<int[]?> _promptIds = GenerateCommand.PromptIdsOption();
    private readonly Option<string?> _prompt = GenerateCommand.PromptOption();
    private readonly Option<bool> _chat = new("--chat") { Description = "An interactive chat: the tokenizer's chat template, else plain \"User:/Assistant:\" lines; the oldest turns are dropped when the conversation outgrows the context; an empty line or /exit ends it." };
    private readonly JsonConstraintOptions _constraint = new(
        "Constrains the output to one JSON value (compact; ends at the model's end-of-sequence once the value is complete; with --chat, every reply).",
        "Constrains the output to JSON this schema file allows (with --chat, every reply).");

    private readonly Option<bool> _json = new("--json") { Description = "Prints one JSON object: {\"ids\":[...],\"stats\":{...}}, with \"prompt_ids\" and \"text\" for a text prompt." };

    /// <summary>Adds the options, and the checks that involve several of them, to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_promptIds);
        command.Options.Add(_prompt);
        command.Options.Add(_chat);
        _shared.AddTo(command);
        command.Options.Add(_json);
        _constraint.AddTo(command);
        GenerateCommand.RequireOnePrompt(
            command,
            "generate needs exactly one of --prompt-ids (comma-separated token ids), --prompt TEXT or --chat",
            r => r.GetResult(_promptIds) is not null,
            r => r.GetResult(_prompt) is not null,
            r => r.GetValue(_chat));
    }

    /// <summary>Reads a parse without errors.</summary>
    public GenerateArguments Read(ParseResult parsed)
    {
        (string target, string? draft, int? ngram, int draftTokens) = _shared.ReadPair(parsed);
        return new()
        {
            Target = target,
            Draft = draft,
            NgramSize = ngram,
            DraftTokens = draftTokens,
            AllowTokenizerMismatch = _shared.AllowsTokenizerMismatch(parsed),
            PromptIds = parsed.GetResult(_promptIds) is null ? null : parsed.GetValue(_promptIds),
            Prompt = parsed.GetValue(_prompt),
            Chat = parsed.GetValue(_chat),
            Json = parsed.GetValue(_json),
            Options = _shared.Read(parsed),
            JsonObject = _constraint.IsGiven(parsed) && _constraint.SchemaFile(parsed) is null,
            JsonSchemaFile = _constraint.SchemaFile(parsed),
            Constraint = _constraint.IsGiven(parsed) ? tokenizer => _constraint.Create(parsed, tokenizer)! : null,
        };
    }
}
