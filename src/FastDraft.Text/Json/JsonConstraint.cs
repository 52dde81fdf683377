using System.Text.Json;
using FastDraft.Text.Internals.Json;

namespace FastDraft.Text;

/// <summary>
/// Constrains generation to JSON: any JSON value, or one that a JSON Schema allows. Set it as
/// <see cref="GenerationOptions.Constraint"/>; the tokens it forces (where the schema leaves one
/// continuation) are appended without a draft pass and reported as <see cref="TokenSource.Grammar"/>.
/// </summary>
/// <remarks>
/// <para>
/// The schema subset: <c>type</c> (one or several), <c>properties</c>, <c>required</c>,
/// <c>additionalProperties</c> (true or false), <c>enum</c>, <c>const</c>, <c>items</c>,
/// <c>minItems</c>/<c>maxItems</c>, <c>anyOf</c>, <c>minLength</c>/<c>maxLength</c>, and the annotations
/// <c>title</c>, <c>description</c>, <c>default</c>, <c>examples</c>, <c>$schema</c>, <c>$id</c>, <c>$comment</c>.
/// Any other keyword is refused with <see cref="ArgumentException"/> naming it. An object that
/// declares properties gets only those (each at most once, in any order), whatever
/// <c>additionalProperties</c> says; one that declares none takes any keys.
/// </para>
/// <para>
/// The output is compact: one optional space after <c>:</c> and <c>,</c>, no other whitespace (so a
/// model cannot loop on whitespace). Numbers are at most 24 characters, containers nest at most 32
/// deep, strings are valid UTF-8 with <c>\u</c> escapes only below U+1000. End-of-sequence is allowed
/// only once the value is complete, and forced then; other special tokens never.
/// </para>
/// <para>
/// The masks are computed per automaton state on first use and cached in the constraint, so reuse
/// one instance across requests. Immutable as far as callers can tell, and thread-safe.
/// </para>
/// </remarks>
public sealed class JsonConstraint : ITokenConstraint
{
    private readonly ConstraintEngine _engine;

    private JsonConstraint(ConstraintEngine engine) => _engine = engine;

    /// <summary>Creates a constraint to any JSON value (an object, array, string, number, true, false or null).</summary>
    /// <param name="tokenizer">The model's tokenizer (a <see cref="ModelTokenizer"/>, or one that offers it through GetService).</param>
    /// <returns>The constraint.</returns>
    /// <exception cref="ArgumentException">The tokenizer does not give its tokens' bytes.</exception>
    public static JsonConstraint AnyJson(ITextTokenizer tokenizer) => Create("true", tokenizer);

    /// <summary>Creates a constraint to the JSON values a schema allows.</summary>
    /// <param name="schemaJson">The JSON Schema (the subset in the remarks).</param>
    /// <param name="tokenizer">The model's tokenizer (a <see cref="ModelTokenizer"/>, or one that offers it through GetService).</param>
    /// <returns>The constraint.</returns>
    /// <exception cref="ArgumentException">The schema is not JSON, or uses a keyword outside the subset (named), or the tokenizer does not give its tokens' bytes.</exception>
    public static JsonConstraint ForSchema(string schemaJson, ITextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        return Create(schemaJson, tokenizer);
    }

    /// <inheritdoc/>
    public ITokenMatcher CreateMatcher() => new ConstraintMatcher(_engine);

    /// <summary>The number of tokens allowed first (for tests).</summary>
    internal int FirstAllowedCount => _engine.AllowedCount(_engine.Start);

    internal ConstraintEngine Engine => _engine;

    private static JsonConstraint Create(string schemaJson, ITextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ModelTokenizer model = tokenizer as ModelTokenizer ?? tokenizer.GetService(typeof(ModelTokenizer)) as ModelTokenizer
            ?? throw new ArgumentException("A JSON constraint needs each token's bytes: pass a ModelTokenizer (or a tokenizer that offers one through GetService).", nameof(tokenizer));
        JsonElement schema;
        try
        {
            using var document = JsonDocument.Parse(schemaJson);
            schema = document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"The JSON schema is not valid JSON: {exception.Message}", nameof(schemaJson), exception);
        }

        var compiler = new SchemaCompiler();
        int root = compiler.Compile(schema);
        int[] endOfSequence = model.EndOfSequenceTokenId is int eos ? [eos] : [];
        return new JsonConstraint(new ConstraintEngine(new JsonAutomaton(compiler.Nodes, root), model.Bytes, endOfSequence));
    }
}
