using System.Text.Json;
using static FastDraft.Text.Internals.Tokenizers.JsonFields;

namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>
/// Compares two <c>tokenizer.json</c> files for what a draft and its target must share: the token of every id both
/// have (vocabulary and added tokens), which added tokens are special, the merges both have (the shorter list a
/// prefix of the longer), the model's other settings, the normalizer and the pre-tokenizer (as JSON values: key order
/// and number spelling do not count). Ids and merges beyond the shorter file's are not a difference: that is a padded
/// or truncated vocabulary.
/// </summary>
internal static class TokenizerComparison
{
    private const int ShownJson = 160;

    /// <summary>The first difference, described for a message, or <see langword="null"/> when the files agree.</summary>
    public static string? FirstDifference(string targetPath, string draftPath)
    {
        var target = new Side(targetPath);
        var draft = new Side(draftPath);
        return Tokens(target, draft)
            ?? Special(target, draft)
            ?? Merges(target, draft)
            ?? Setting(target.ModelSettings, draft.ModelSettings, "the model's settings (type, unknown token, byte fallback, prefixes)")
            ?? Setting(Optional(target.Root, "normalizer", targetPath, string.Empty), Optional(draft.Root, "normalizer", draftPath, string.Empty), "the normalizer")
            ?? Setting(Optional(target.Root, "pre_tokenizer", targetPath, string.Empty), Optional(draft.Root, "pre_tokenizer", draftPath, string.Empty), "the pre-tokenizer");
    }

    private static string? Tokens(Side target, Side draft)
    {
        int limit = Math.Min(target.IdCount, draft.IdCount);
        foreach (int id in target.Tokens.Keys.Concat(draft.Tokens.Keys).Where(id => id < limit).Distinct().Order())
        {
            string? a = target.Tokens.GetValueOrDefault(id);
            string? b = draft.Tokens.GetValueOrDefault(id);
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                return $"token id {id} is {Show(a)} in the target's tokenizer but {Show(b)} in the draft's";
            }
        }

        return null;
    }

    private static string? Special(Side target, Side draft)
    {
        int limit = Math.Min(target.IdCount, draft.IdCount);
        foreach (int id in target.Special.Keys.Concat(draft.Special.Keys).Where(id => id < limit).Distinct().Order())
        {
            bool a = target.Special.GetValueOrDefault(id);
            bool b = draft.Special.GetValueOrDefault(id);
            if (a != b)
            {
                return $"token id {id} ({Show(target.Tokens.GetValueOrDefault(id))}) is {(a ? string.Empty : "not ")}a special token in the target's tokenizer but {(b ? string.Empty : "not ")}in the draft's";
            }
        }

        return null;
    }

    private static string? Merges(Side target, Side draft)
    {
        int shared = Math.Min(target.Merges.Length, draft.Merges.Length);
        for (int i = 0; i < shared; i++)
        {
            if (!string.Equals(target.Merges[i], draft.Merges[i], StringComparison.Ordinal))
            {
                return $"merge {i} is {Quote(target.Merges[i])} in the target's tokenizer but {Quote(draft.Merges[i])} in the draft's";
            }
        }

        return null;
    }

    private static string? Setting(JsonElement? target, JsonElement? draft, string what)
    {
        bool same = target is null || draft is null ? target is null && draft is null : JsonElement.DeepEquals(target.Value, draft.Value);
        return same ? null : $"{what} differ: {Clip(target)} in the target's tokenizer, {Clip(draft)} in the draft's";
    }

    private static string Show(string? token) => token is null ? "absent" : Quote(token);

    private static string Clip(JsonElement? value)
    {
        string text = value is { } v ? v.GetRawText() : "none";
        text = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
        return text.Length <= ShownJson ? text : text[..ShownJson] + "…";
    }

    /// <summary>One file, read to what the comparison needs.</summary>
    private sealed class Side
    {
        public Side(string path)
        {
            Root = ParseObject(path);
            JsonElement model = OptionalObject(Root, "model", path, string.Empty) ?? throw new InvalidModelException($"'{path}' has no \"model\".", path);
            JsonElement? vocabulary = Optional(model, "vocab", path, "model");
            if (vocabulary is { ValueKind: JsonValueKind.Object } byToken)
            {
                foreach (JsonProperty entry in byToken.EnumerateObject())
                {
                    Tokens[Id(entry.Value, path, $"model.vocab[{Quote(entry.Name)}]")] = Name(entry, path, "model.vocab");
                }
            }
            else if (vocabulary is { ValueKind: JsonValueKind.Array } byId)
            {
                int id = 0;
                foreach (JsonElement entry in byId.EnumerateArray())
                {
                    Tokens[id] = entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() > 0 ? StringValue(entry[0], path, $"model.vocab[{id}][0]") : StringValue(entry, path, $"model.vocab[{id}]");
                    id++;
                }
            }

            JsonElement[] added = Items(Root, "added_tokens", path, string.Empty);
            for (int i = 0; i < added.Length; i++)
            {
                int id = Id(Required(added[i], "id", path, $"added_tokens[{i}]"), path, $"added_tokens[{i}].id");
                Tokens[id] = RequiredString(added[i], "content", path, $"added_tokens[{i}]");
                Special[id] = Flag(added[i], "special", path, $"added_tokens[{i}]");
            }

            IdCount = Tokens.Count == 0 ? 0 : Tokens.Keys.Max() + 1;
            JsonElement[] merges = Items(model, "merges", path, "model");
            Merges = new string[merges.Length];
            for (int i = 0; i < merges.Length; i++)
            {
                Merges[i] = merges[i].ValueKind == JsonValueKind.Array
                    ? string.Join(' ', merges[i].EnumerateArray().Select((m, j) => StringValue(m, path, $"model.merges[{i}][{j}]")))
                    : StringValue(merges[i], path, $"model.merges[{i}]");
            }

            // The model's settings without its vocabulary and merges, compared as one JSON value.
            using var settings = new MemoryStream();
            using (var writer = new Utf8JsonWriter(settings))
            {
                writer.WriteStartObject();
                foreach (JsonProperty property in model.EnumerateObject().Where(p => p.Name is not "vocab" and not "merges" && p.Value.ValueKind != JsonValueKind.Null))
                {
                    property.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            using JsonDocument document = JsonDocument.Parse(settings.ToArray());
            ModelSettings = document.RootElement.Clone();
        }

        public JsonElement Root { get; }

        public Dictionary<int, string> Tokens { get; } = [];

        public Dictionary<int, bool> Special { get; } = [];

        /// <summary>The largest id plus one.</summary>
        public int IdCount { get; }

        public string[] Merges { get; }

        public JsonElement ModelSettings { get; }
    }
}
