using System.Text.Json;

namespace FastDraft.Text.Tokenizers;

/// <summary>What <c>tokenizer_config.json</c> says about special tokens and chat formatting.</summary>
internal sealed record TokenizerConfig
{
    public bool AddBeginningOfSequence { get; init; }
    public bool AddEndOfSequence { get; init; }
    public string? BeginningOfSequenceToken { get; init; }
    public string? EndOfSequenceToken { get; init; }
    public string? ChatTemplate { get; init; }
    public Dictionary<string, int> AddedTokens { get; init; } = [];

    public static TokenizerConfig Read(string folder)
    {
        string path = System.IO.Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(path))
        {
            return new TokenizerConfig();
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidModelException($"'{path}' is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", path, ex);
        }

        var added = new Dictionary<string, int>();
        if (root.TryGetProperty("added_tokens_decoder", out JsonElement decoder) && decoder.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty entry in decoder.EnumerateObject())
            {
                if (int.TryParse(entry.Name, out int id) && entry.Value.TryGetProperty("content", out JsonElement content))
                {
                    added[content.GetString()!] = id;
                }
            }
        }

        return new TokenizerConfig
        {
            AddBeginningOfSequence = root.TryGetProperty("add_bos_token", out JsonElement bos) && bos.ValueKind == JsonValueKind.True,
            AddEndOfSequence = root.TryGetProperty("add_eos_token", out JsonElement eos) && eos.ValueKind == JsonValueKind.True,
            BeginningOfSequenceToken = TokenText(root, "bos_token"),
            EndOfSequenceToken = TokenText(root, "eos_token"),
            ChatTemplate = Template(root),
            AddedTokens = added,
        };
    }

    private static string? TokenText(JsonElement root, string name) =>
        !root.TryGetProperty(name, out JsonElement value) ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out JsonElement content) ? content.GetString()
        : null;

    private static string? Template(JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out JsonElement template))
        {
            return null;
        }

        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString();
        }

        // A list of named templates: take "default", else the first.
        JsonElement? chosen = null;
        foreach (JsonElement item in template.ValueKind == JsonValueKind.Array ? template.EnumerateArray() : default)
        {
            chosen ??= item;
            if (item.TryGetProperty("name", out JsonElement name) && name.GetString() == "default")
            {
                chosen = item;
            }
        }

        return chosen is { } c && c.TryGetProperty("template", out JsonElement text) ? text.GetString() : null;
    }
}
