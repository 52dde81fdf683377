using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>
/// Typed reads from a tokenizer file's JSON that fail with <see cref="InvalidModelException"/> naming the
/// file and the key (<c>model.vocab["abc"]</c>, <c>added_tokens[3].id</c>) instead of the
/// <see cref="InvalidOperationException"/>, <see cref="KeyNotFoundException"/> or
/// <see cref="FormatException"/> that <see cref="JsonElement"/>'s own accessors throw on a wrong shape.
/// </summary>
internal static class JsonFields
{
    /// <summary>Parses a JSON file whose root must be an object.</summary>
    public static JsonElement ParseObject(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        ReadOnlyMemory<byte> json = bytes.AsSpan().StartsWith(Utf8Bom) ? bytes.AsMemory(Utf8Bom.Length) : bytes;

        // The reader transcodes strings only when asked, so a bad byte in an unread key would pass unseen.
        if (!Utf8.IsValid(json.Span))
        {
            _ = Utf8.ToUtf16(json.Span, new char[json.Length], out int valid, out _, replaceInvalidSequences: false);
            throw new InvalidModelException($"'{path}' is not valid UTF-8 (byte {valid + (bytes.Length - json.Length)}).", path);
        }

        JsonElement root;
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidModelException($"'{path}' is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}", path, ex);
        }

        return root.ValueKind == JsonValueKind.Object ? root
            : throw new InvalidModelException($"'{path}': the root is a JSON {Kind(root)}, not an object.", path);
    }

    /// <summary>The value of <paramref name="key"/> in an object, or null when the key is absent or null.</summary>
    public static JsonElement? Optional(JsonElement owner, string key, string path, string where)
    {
        if (owner.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(path, where, owner, "an object");
        }

        return owner.TryGetProperty(key, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;
    }

    /// <summary>The value of <paramref name="key"/>, which must be present and not null.</summary>
    public static JsonElement Required(JsonElement owner, string key, string path, string where) =>
        Optional(owner, key, path, where) ?? throw new InvalidModelException($"'{path}': {Join(where, key)} is missing.", path);

    /// <summary>An optional object.</summary>
    public static JsonElement? OptionalObject(JsonElement owner, string key, string path, string where) =>
        Optional(owner, key, path, where) is { } value ? (value.ValueKind == JsonValueKind.Object ? value : throw Wrong(path, Join(where, key), value, "an object")) : null;

    /// <summary>An optional string.</summary>
    public static string? OptionalString(JsonElement owner, string key, string path, string where) =>
        Optional(owner, key, path, where) is { } value ? StringValue(value, path, Join(where, key)) : null;

    /// <summary>A required string.</summary>
    public static string RequiredString(JsonElement owner, string key, string path, string where) =>
        StringValue(Required(owner, key, path, where), path, Join(where, key));

    /// <summary>An optional boolean: absent or null is <paramref name="absent"/>.</summary>
    public static bool Flag(JsonElement owner, string key, string path, string where, bool absent = false) =>
        Optional(owner, key, path, where) switch
        {
            null => absent,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            { } value => throw Wrong(path, Join(where, key), value, "true or false"),
        };

    /// <summary>The items of an optional array (none when absent or null).</summary>
    public static JsonElement[] Items(JsonElement owner, string key, string path, string where) =>
        Optional(owner, key, path, where) switch
        {
            null => [],
            { ValueKind: JsonValueKind.Array } array => [.. array.EnumerateArray()],
            { } value => throw Wrong(path, Join(where, key), value, "an array"),
        };

    /// <summary>A string value.</summary>
    public static string StringValue(JsonElement value, string path, string where)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Wrong(path, where, value, "a string");
        }

        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            // Escaped lone surrogates and similar: valid JSON syntax, but no .NET string.
            throw new InvalidModelException($"'{path}': {where} is not valid Unicode text: {ex.Message}", path, ex);
        }
    }

    /// <summary>A property's name, which may hold an escape that is not valid Unicode.</summary>
    public static string Name(JsonProperty property, string path, string where)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidModelException($"'{path}': a key of {where} is not valid Unicode text: {ex.Message}", path, ex);
        }
    }

    /// <summary>A token id: a non-negative 32-bit integer.</summary>
    public static int Id(JsonElement value, string path, string where)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int id))
        {
            throw Wrong(path, where, value, "a token id (an integer)");
        }

        return id >= 0 ? id : throw new InvalidModelException($"'{path}': {where} is a negative token id ({id}).", path);
    }

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];
    private static readonly JsonSerializerOptions Quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A token or key as a JSON string for a message: on one line, long ones clipped.</summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text.Length <= 60 ? text : text[..60] + "…", Quoting);

    public static string Join(string where, string key) => where.Length == 0 ? key : $"{where}.{key}";

    private static InvalidModelException Wrong(string path, string where, JsonElement value, string expected)
    {
        string shown = value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? $" ({Clip(value.GetRawText())})" : string.Empty;
        return new InvalidModelException($"'{path}': {where} is a JSON {Kind(value)}{shown}, expected {expected}.", path);
    }

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
