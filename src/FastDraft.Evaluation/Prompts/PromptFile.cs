using System.Text.Json;

namespace FastDraft.Evaluation;

/// <summary>Reads a JSONL prompts file: one object per line with <c>"prompt"</c> (text) or <c>"ids"</c> (token ids); other fields are ignored.</summary>
public static class PromptFile
{
    /// <summary>Reads every prompt of a file as token ids.</summary>
    /// <param name="path">The JSONL file.</param>
    /// <param name="tokenizer">Creates the tokenizer that encodes text prompts; called at most once, and only when the file has a text prompt.</param>
    /// <returns>The prompts, in file order; each holds at least one token.</returns>
    /// <exception cref="InvalidDataException">A line is neither kind, a prompt is empty, or the file holds no prompts (the message names the line).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static List<int[]> Read(string path, Func<ITextTokenizer> tokenizer)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var prompts = new List<int[]>();
        ITextTokenizer? loaded = null;
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            using JsonDocument document = Parse(text, path, line);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ids", out JsonElement ids) && ids.ValueKind == JsonValueKind.Array)
            {
                prompts.Add([.. ids.EnumerateArray().Select(id => id.TryGetInt32(out int value) ? value : throw Invalid(path, line, "\"ids\" must hold integers."))]);
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
