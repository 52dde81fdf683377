using System.Text.Json;

namespace FastDraft.Evaluation;

/// <summary>
/// Reads a JSONL prompts file: one object per line with <c>"prompt"</c> (text) or <c>"ids"</c> (token ids), not both;
/// other fields are ignored. A line may hold at most 1 MiB of text: prompts are short, and a file that is not a prompts
/// file (or a runaway line) is refused at once rather than after gigabytes of parsing and tokenizing.
/// </summary>
public static class PromptFile
{
    /// <summary>The longest line read, in characters.</summary>
    private const int MaxLineLength = 1 << 20;

    /// <summary>Reads every prompt of a file as token ids.</summary>
    /// <param name="path">The JSONL file.</param>
    /// <param name="tokenizer">Creates the tokenizer that encodes text prompts; called at most once, and only when the file has a text prompt.</param>
    /// <returns>The prompts, in file order; each holds at least one token.</returns>
    /// <exception cref="InvalidDataException">A line is neither kind or both, holds ids that are not integers, is longer than 1 MiB, a prompt is empty, or the file holds no prompts (the message names the file and line).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static List<int[]> Read(string path, Func<ITextTokenizer> tokenizer)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var prompts = new List<int[]>();
        ITextTokenizer? loaded = null;
        int line = 0;
        using var reader = new StreamReader(path);
        while (ReadLine(reader, path, line + 1) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            using JsonDocument document = Parse(text, path, line);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ids", out _) && root.TryGetProperty("prompt", out _))
            {
                throw Invalid(path, line, "has both \"prompt\" and \"ids\"; give one.");
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ids", out JsonElement ids) && ids.ValueKind == JsonValueKind.Array)
            {
                prompts.Add([.. ids.EnumerateArray().Select((id, i) => id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out int value) ? value : throw Invalid(path, line, $"\"ids\" must hold integers; item {i} is {(id.ValueKind == JsonValueKind.Number ? "a number that is not a 32-bit integer" : "a JSON " + id.ValueKind.ToString().ToLowerInvariant())}."))]);
            }
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("prompt", out JsonElement prompt) && prompt.ValueKind == JsonValueKind.String)
            {
                loaded ??= tokenizer();
                prompts.Add([.. loaded.Encode(prompt.GetString()!)]);
            }
            else
            {
                throw Invalid(path, line, "expected an object with \"prompt\" (a string) or \"ids\" (an array of token ids).");
            }

            if (prompts[^1].Length == 0)
            {
                throw Invalid(path, line, "the prompt is empty.");
            }
        }

        return prompts.Count > 0 ? prompts : throw new InvalidDataException($"'{path}' holds no prompts.");
    }

    /// <summary>Reads one line (without its end), refusing one longer than <see cref="MaxLineLength"/> as soon as it gets there.</summary>
    private static string? ReadLine(StreamReader reader, string path, int line)
    {
        var text = new System.Text.StringBuilder();
        while (true)
        {
            int next = reader.Read();
            if (next < 0)
            {
                return text.Length > 0 ? text.ToString() : null;
            }

            if (next == '\n')
            {
                return text.ToString().TrimEnd('\r');
            }

            if (text.Length == MaxLineLength)
            {
                throw Invalid(path, line, $"the line is longer than {MaxLineLength:N0} characters; a prompts file holds one short JSON object per line.");
            }

            text.Append((char)next);
        }
    }

    private static JsonDocument Parse(string text, string path, int line)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw Invalid(path, line, $"not JSON ({ex.Message.Split('.')[0]}).");
        }
    }

    private static InvalidDataException Invalid(string path, int line, string message) => new($"'{path}' line {line}: {message}");
}
