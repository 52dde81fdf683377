using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FastDraft.Tool;

/// <summary>
/// The one JSON document a command prints with <c>--json</c>: stdout holds it and nothing else (tables, progress and
/// warnings go to stderr), its keys are snake_case identifiers, and <c>schema_version</c> comes first.
/// </summary>
internal static class ToolJson
{
    /// <summary>The version of every command's document; raised when a key is renamed or removed (added keys keep it).</summary>
    public const int SchemaVersion = 1;

    // Readable text (×, ', α) rather than \u escapes: the output is a file and a console line, never HTML.
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Converters = { new FiniteOrNull() } };
    private static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    /// <summary>Returns <paramref name="fields"/> as a document with <c>schema_version</c> first.</summary>
    public static JsonObject Document(JsonObject fields)
    {
        var document = new JsonObject { ["schema_version"] = SchemaVersion };
        foreach ((string key, JsonNode? value) in fields.ToList())
        {
            fields.Remove(key);
            document[key] = value;
        }

        return document;
    }

    /// <summary>Returns a serialized object (dictionaries, arrays, numbers) as a document with <c>schema_version</c> first.</summary>
    public static JsonObject Document(object fields) => Document(JsonSerializer.SerializeToNode(fields, Compact)!.AsObject());

    /// <summary>Serializes a document, on one line or indented.</summary>
    public static string Serialize(JsonObject document, bool indented = false) => document.ToJsonString(indented ? Indented : Compact);

    /// <summary>Writes a document as the one line of stdout.</summary>
    public static void Write(TextWriter output, JsonObject document) => output.WriteLine(Serialize(document));

    /// <summary>Writes NaN and infinities as null: JSON has no such numbers, and a value that does not exist (α where nothing was judged) is null.</summary>
    private sealed class FiniteOrNull : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
