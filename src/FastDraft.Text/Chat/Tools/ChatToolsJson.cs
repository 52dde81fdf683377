using System.Text.Json;
using FastDraft.Text.Jinja;
using Microsoft.Extensions.AI;

namespace FastDraft.Text;

/// <summary>
/// Writes <see cref="ChatOptions.Tools"/> in the shape chat templates expect (OpenAI's, as transformers passes them):
/// <c>{"type": "function", "function": {"name", "description", "parameters", "return"}}</c>, the parameters being the
/// function's JSON schema and <c>return</c> its return schema when it has one (as transformers' <c>get_json_schema</c>).
/// </summary>
internal static class ChatToolsJson
{
    /// <summary>The tools as the template's <c>tools</c> variable: a JSON array of definitions.</summary>
    public static JsonElement ToJson(IEnumerable<AIFunctionDeclaration> functions) => Write(functions, wrapped: true);

    /// <summary>
    /// The tools as the JSON text Phi-4-mini's template takes in the system message's <c>tools</c> field: a list of
    /// <c>{"name", "description", "parameters"}</c>, written as Python's <c>json.dumps</c> writes it (the model card's way).
    /// </summary>
    public static string ToSystemMessageText(IEnumerable<AIFunctionDeclaration> functions) =>
        JinjaJson.Dumps(JinjaJson.FromJson(Write(functions, wrapped: false)), indent: null, itemSeparator: null, keySeparator: null, sortKeys: false);

    private static JsonElement Write(IEnumerable<AIFunctionDeclaration> functions, bool wrapped)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (AIFunctionDeclaration function in functions)
            {
                json.WriteStartObject();
                if (wrapped)
                {
                    json.WriteString("type", "function");
                    json.WriteStartObject("function");
                }

                json.WriteString("name", function.Name);
                if (!string.IsNullOrEmpty(function.Description))
                {
                    json.WriteString("description", function.Description);
                }

                json.WritePropertyName("parameters");
                function.JsonSchema.WriteTo(json);
                if (function.ReturnJsonSchema is { } returns)
                {
                    json.WritePropertyName("return");
                    returns.WriteTo(json);
                }

                if (wrapped)
                {
                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        using JsonDocument document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }
}
