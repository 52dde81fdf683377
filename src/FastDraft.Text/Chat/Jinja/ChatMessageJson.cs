using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FastDraft.Text.Jinja;

/// <summary>
/// Writes <see cref="ChatMessage"/>s in the message shape chat templates expect: <c>role</c> and <c>content</c> (the
/// text); function calls as an assistant's <c>tool_calls</c> (arguments as an object); each function result as a
/// <c>tool</c> message with <c>tool_call_id</c> and the result as text (JSON unless it is a string).
/// </summary>
internal static class ChatMessageJson
{
    public static JsonElement ToJson(IEnumerable<ChatMessage> messages)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (ChatMessage message in messages)
            {
                List<FunctionResultContent> results = [.. message.Contents.OfType<FunctionResultContent>()];
                foreach (FunctionResultContent result in results)
                {
                    json.WriteStartObject();
                    json.WriteString("role", "tool");
                    json.WriteString("tool_call_id", result.CallId);
                    json.WriteString("content", result.Result as string ?? JsonSerializer.Serialize(result.Result, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))));
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
