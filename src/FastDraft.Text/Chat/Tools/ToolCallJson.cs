using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FastDraft.Text;

/// <summary>Reads the JSON of tool calls out of a reply: one value at a position, and a call object as a <see cref="FunctionCallContent"/>.</summary>
internal static class ToolCallJson
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// A new call id: nine letters and digits, the shape Mistral's templates insist on (the others take any string), for
    /// formats whose calls carry none.
    /// </summary>
    public static string NewCallId() => new(Random.Shared.GetItems(IdAlphabet.AsSpan(), 9));

    /// <summary>Reads the JSON object or array that starts at <paramref name="position"/> (after whitespace), moving past it.</summary>
    /// <returns>The value, or <see langword="null"/> when none starts there or it is not complete, valid JSON.</returns>
    public static JsonElement? ReadValue(string text, ref int position)
    {
        int start = SkipWhitespace(text, position);
        if (start >= text.Length || text[start] is not ('{' or '['))
        {
            return null;
        }

        int depth = 0;
        bool inString = false;
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']' && --depth == 0)
            {
                try
                {
                    using JsonDocument document = JsonDocument.Parse(text.AsMemory(start, i + 1 - start));
                    position = i + 1;
                    return document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    /// <summary>Adds the calls a value holds (one call object, or an array of them).</summary>
    /// <returns>Whether every element was a well-formed call.</returns>
    public static bool AddCalls(JsonElement value, List<FunctionCallContent> calls)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            return TryCall(value, null, calls);
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            return false;
        }

        foreach (JsonElement element in value.EnumerateArray())
        {
            if (!TryCall(element, null, calls))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Adds one call: an object with a <c>name</c> and its arguments as <c>arguments</c> or <c>parameters</c> (an object, or
    /// a string holding one; absent for none), with an <c>id</c> when the model wrote one.
    /// </summary>
    /// <param name="call">The call object, or, with <paramref name="name"/>, the arguments object itself.</param>
    /// <param name="name">The function name when the format writes it outside the JSON (Mistral v11), else <see langword="null"/>.</param>
    /// <param name="calls">Where the call goes.</param>
    /// <returns>Whether the call was well formed.</returns>
    public static bool TryCall(JsonElement call, string? name, List<FunctionCallContent> calls)
    {
        if (call.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        JsonElement? arguments = call;
        string? id = null;
        if (name is null)
        {
            if (!call.TryGetProperty("name", out JsonElement nameValue) || nameValue.ValueKind != JsonValueKind.String || nameValue.GetString() is not { Length: > 0 } written)
            {
                return false;
            }

            name = written;
            arguments = call.TryGetProperty("arguments", out JsonElement a) ? a : call.TryGetProperty("parameters", out JsonElement p) ? p : null;
            id = call.TryGetProperty("id", out JsonElement idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
        }

        if (arguments is { ValueKind: JsonValueKind.String } quoted)
        {
            int at = 0;
            string inner = quoted.GetString()!;
            arguments = ReadValue(inner, ref at) is { ValueKind: JsonValueKind.Object } parsed && SkipWhitespace(inner, at) == inner.Length ? parsed : null;
            if (arguments is null)
            {
                return false;
            }
        }

        if (arguments is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            return false;
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (arguments is { ValueKind: JsonValueKind.Object } properties)
        {
            foreach (JsonProperty property in properties.EnumerateObject())
            {
                values[property.Name] = property.Value.Clone();
            }
        }

        calls.Add(new FunctionCallContent(id is { Length: > 0 } ? id : NewCallId(), name, values));
        return true;
    }

    public static int SkipWhitespace(string text, int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }

        return position;
    }
}
