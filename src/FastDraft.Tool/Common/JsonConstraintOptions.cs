using System.CommandLine;
using System.CommandLine.Parsing;
using FastDraft.Text;

namespace FastDraft.Tool;

/// <summary>
/// <c>--json-object</c> and <c>--json-schema FILE</c>, as <c>generate</c> and <c>eval</c> take them: the options, and the
/// constraint they ask for, built once (a schema file that is missing, not JSON or outside the subset is refused in one
/// line naming the file and the problem).
/// </summary>
internal sealed class JsonConstraintOptions
{
    private readonly Option<bool> _object;
    private readonly Option<string?> _schema;

    /// <summary>Creates the options with the descriptions the command gives them (the schema subset is appended to <paramref name="schemaDescription"/>).</summary>
    public JsonConstraintOptions(string objectDescription, string schemaDescription)
    {
        _object = new("--json-object") { Description = objectDescription };
        _schema = new("--json-schema")
        {
            Description = schemaDescription + " The schema subset: type, properties, required, additionalProperties, enum, const, items, minItems, maxItems, anyOf, minLength, maxLength.",
            HelpName = "FILE",
        };
    }

    /// <summary>Adds the options, and the check that at most one is given, to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_object);
        command.Options.Add(_schema);
        command.Validators.Add(result =>
        {
            if (result.GetResult(_object) is { Implicit: false } && result.GetResult(_schema) is not null)
            {
                result.AddError("--json-object and --json-schema cannot be combined (a schema already constrains the output to JSON)");
            }
        });
    }

    /// <summary>Gets whether either option was given.</summary>
    public bool IsGiven(ParseResult parsed) => parsed.GetValue(_object) || parsed.GetValue(_schema) is not null;

    /// <summary>Gets whether either option was given, in a command's validator.</summary>
    public bool IsGiven(CommandResult result) => result.GetValue(_object) || result.GetValue(_schema) is not null;

    /// <summary>Gets the schema file given, or <see langword="null"/>.</summary>
    public string? SchemaFile(ParseResult parsed) => parsed.GetValue(_schema);

    /// <summary>Builds the constraint the options ask for, or <see langword="null"/> when neither was given.</summary>
    /// <exception cref="ArgumentException">The schema file cannot be read, is not JSON, or uses a keyword outside the subset (the message names the file).</exception>
    public JsonConstraint? Create(ParseResult parsed, ITextTokenizer tokenizer)
    {
        if (parsed.GetValue(_schema) is not { } path)
        {
            return parsed.GetValue(_object) ? JsonConstraint.AnyJson(tokenizer) : null;
        }

        string schema;
        try
        {
            schema = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--json-schema {path}: cannot read the file ({exception.Message})", exception);
        }

        try
        {
            return JsonConstraint.ForSchema(schema, tokenizer);
        }
        catch (ArgumentException exception) when (exception.ParamName != nameof(tokenizer))
        {
            throw new ArgumentException($"--json-schema {path}: {MessageOnly(exception)}", exception);
        }
    }

    /// <summary>The message without the " (Parameter 'x')" that <see cref="ArgumentException.Message"/> appends.</summary>
    private static string MessageOnly(ArgumentException exception) =>
        exception.ParamName is { } name && exception.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
            ? exception.Message[..^$" (Parameter '{name}')".Length]
            : exception.Message;
}
