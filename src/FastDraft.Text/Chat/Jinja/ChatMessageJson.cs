using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FastDraft.Text.Jinja;

/// <summary>
/// Writes <see cref="ChatMessage"/>s in the message shape chat templates expect: <c>role</c> and <c>content</c> (the
/// text); function calls as an assistant's <c>tool_calls</c> (arguments as an object); each function result as a
/// <c>tool</c> message with <c>tool_call_id</c>, the function's <c>name</c> (from the call it answers) and the result as
/// text (JSON unless it is a string or a JSON string).
/// </summary>
internal static class ChatMessageJson
{
    /// <summary>Writes the conversation.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="systemTools">
    /// Tool definitions to put in the system message's <c>tools</c> field (Phi-4-mini's template reads them there), or
    /// <see langword="null"/>; a conversation without a system message gets an empty one to carry them.
    /// </param>
    public static JsonElement ToJson(IEnumerable<ChatMessage> messages, string? systemTools = null)
    {
        List<ChatMessage> conversation = [.. messages];
        Dictionary<string, string> names = conversation.SelectMany(m => m.Contents.OfType<FunctionCallContent>())
            .GroupBy(c => c.CallId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Name, StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            if (systemTools is not null && (conversation.Count == 0 || conversation[0].Role != ChatRole.System))
            {
                json.WriteStartObject();
                json.WriteString("role", "system");
                json.WriteString("content", string.Empty);
                json.WriteString("tools", systemTools);
                json.WriteEndObject();
            }

            for (int index = 0; index < conversation.Count; index++)
            {
                ChatMessage message = conversation[index];
                List<FunctionResultContent> results = [.. message.Contents.OfType<FunctionResultContent>()];
                foreach (FunctionResultContent result in results)
                {
                    json.WriteStartObject();
                    json.WriteString("role", "tool");
                    json.WriteString("tool_call_id", result.CallId);
                    if (names.TryGetValue(result.CallId, out string? name))
                    {
                        json.WriteString("name", name);
                    }

                    json.WriteString("content", result.Result switch
                    {
                        string text => text,
                        JsonElement { ValueKind: JsonValueKind.String } text => text.GetString(),
                        _ => JsonSerializer.Serialize(result.Result, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))),
                    });
                    json.WriteEndObject();
                }

                List<FunctionCallContent> calls = [.. message.Contents.OfType<FunctionCallContent>()];
                if (results.Count > 0 && calls.Count == 0 && string.IsNullOrEmpty(message.Text))
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("role", message.Role.Value);
                json.WriteString("content", message.Text);
                if (index == 0 && systemTools is not null && message.Role == ChatRole.System)
                {
                    json.WriteString("tools", systemTools);
                }

                if (calls.Count > 0)
                {
                    json.WriteStartArray("tool_calls");
                    foreach (FunctionCallContent call in calls)
                    {
                        json.WriteStartObject();
                        json.WriteString("id", call.CallId);
                        json.WriteString("type", "function");
                        json.WriteStartObject("function");
                        json.WriteString("name", call.Name);
                        json.WritePropertyName("arguments");
                        JsonSerializer.Serialize(json, call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
                        json.WriteEndObject();
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }
}
