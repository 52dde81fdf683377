using FastDraft.Text;

namespace FastDraft.Demo;

/// <summary>The arguments of <c>generate</c>, checked before any model is loaded.</summary>
internal sealed record GenerateArguments
{
    public required string Target { get; init; }
    public string? Draft { get; init; }
    public int? NgramSize { get; init; }

    /// <summary>Gets whether a draft whose tokenizer disagrees with the target's is paired all the same.</summary>
    public bool AllowTokenizerMismatch { get; init; }
    public int[]? PromptIds { get; init; }
    public string? Prompt { get; init; }
    public bool Chat { get; init; }
    public int DraftTokens { get; init; } = 4;
    public bool Json { get; init; }

    /// <summary>Gets whether <c>--json-object</c> was given.</summary>
    public bool JsonObject { get; init; }

    /// <summary>Gets the <c>--json-schema</c> file, or <see langword="null"/>.</summary>
    public string? JsonSchemaFile { get; init; }

    /// <summary>Gets the builder of the JSON constraint for the target's tokenizer, or <see langword="null"/> when the output is free.</summary>
    public Func<ITextTokenizer, JsonConstraint>? Constraint { get; init; }

    /// <summary>Gets the generation options: sampling, length (the default gives way to the context's end), end-of-sequence and stops.</summary>
    public GenerationOptions Options { get; init; } = GenerationOptions.Default;
}
