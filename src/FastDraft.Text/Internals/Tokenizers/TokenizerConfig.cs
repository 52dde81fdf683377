using System.Globalization;
using System.Text.Json;
using static FastDraft.Text.Internals.Tokenizers.JsonFields;

namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>What <c>tokenizer_config.json</c> says about special tokens and chat formatting.</summary>
internal sealed record TokenizerConfig
{
    /// <summary>Gets the file read, or null when the folder has none.</summary>
    public string? Path { get; init; }
    public bool AddBeginningOfSequence { get; init; }
    public bool AddEndOfSequence { get; init; }
    public string? BeginningOfSequenceToken { get; init; }
    public string? EndOfSequenceToken { get; init; }
    public string? ChatTemplateSource { get; init; }
    public Dictionary<string, int> AddedTokens { get; init; } = [];

    /// <summary>Gets the special tokens a chat template sees (<c>bos_token</c>, <c>eos_token</c>, <c>unk_token</c>…), as transformers passes them.</summary>
    public Dictionary<string, string> SpecialTokens { get; init; } = [];

    private static readonly string[] SpecialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

    public static TokenizerConfig Read(string folder)
    {
        string path = System.IO.Path.Combine(folder, "tokenizer_config.json");

        // transformers saves the template beside the config as chat_template.jinja, and reads it from there first.
        string jinja = System.IO.Path.Combine(folder, "chat_template.jinja");
        string? jinjaSource = File.Exists(jinja) ? File.ReadAllText(jinja) : null;
        if (!File.Exists(path))
        {
            return new TokenizerConfig { ChatTemplateSource = jinjaSource };
        }

        JsonElement root = ParseObject(path);
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        if (OptionalObject(root, "added_tokens_decoder", path, string.Empty) is { } decoder)
        {
            foreach (JsonProperty entry in decoder.EnumerateObject())
            {
                string key = Name(entry, path, "added_tokens_decoder");
                string where = $"added_tokens_decoder[{Quote(key)}]";
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                {
                    throw new InvalidModelException($"'{path}': {where} is not a token id (a non-negative integer).", path);
                }

                added[RequiredString(entry.Value, "content", path, where)] = id;
            }
        }

        return new TokenizerConfig
        {
            Path = path,
            AddBeginningOfSequence = Flag(root, "add_bos_token", path, string.Empty),
            AddEndOfSequence = Flag(root, "add_eos_token", path, string.Empty),
            BeginningOfSequenceToken = TokenText(root, "bos_token", path),
            EndOfSequenceToken = TokenText(root, "eos_token", path),
            ChatTemplateSource = jinjaSource ?? Template(root, path),
            AddedTokens = added,
            SpecialTokens = SpecialTokenNames.Select(name => (name, TokenText(root, name, path))).Where(p => p.Item2 is not null).ToDictionary(p => p.name, p => p.Item2!, StringComparer.Ordinal),
        };
    }

    /// <summary>Refuses an added token id far beyond the tokenizer's entries (see <see cref="TokenIds"/>).</summary>
    public void CheckIds(int entries)
    {
        if (Path is not null)
        {
            TokenIds.CheckBound(AddedTokens.Select(p => (p.Key, p.Value, $"added_tokens_decoder[\"{p.Value}\"]")), entries, Path);
        }
    }

    /// <summary>A token given as a string, or as an object with its content (the AddedToken form).</summary>
    private static string? TokenText(JsonElement root, string name, string path) =>
        Optional(root, name, path, string.Empty) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Object } value => OptionalString(value, "content", path, name),
            { } value => StringValue(value, path, name),
        };

    private static string? Template(JsonElement root, string path)
    {
        if (Optional(root, "chat_template", path, string.Empty) is not { } template)
        {
            return null;
        }

        if (template.ValueKind != JsonValueKind.Array)
        {
            return StringValue(template, path, "chat_template");
        }

        // A list of named templates: take "default", else the first.
        string? chosen = null;
        int index = 0;
        foreach (JsonElement item in template.EnumerateArray())
        {
            string where = $"chat_template[{index++}]";
            string text = RequiredString(item, "template", path, where);
            chosen ??= text;
            if (OptionalString(item, "name", path, where) == "default")
            {
                chosen = text;
            }
        }

        return chosen;
    }
}
