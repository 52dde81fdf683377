using System.Text.Json;

namespace FastDraft.Text.Tokenizers;

/// <summary>An added token of <c>tokenizer.json</c>: matched in the text before the model runs, whole.</summary>
internal sealed record AddedToken(int Id, string Content, bool Special);

/// <summary>A normalization step FastDraft applies to each text segment before the BPE model.</summary>
internal enum NormalizerStep
{
    Prepend,
    Replace,
    Nfc,
    Nfkc,
    Lowercase,
}

/// <summary>How spaces become the SentencePiece marker ▁ (the Metaspace pre-tokenizer).</summary>
internal sealed record Metaspace(string Replacement, string PrependScheme, bool Split);

/// <summary>
/// What a Hugging Face <c>tokenizer.json</c> says, reduced to what FastDraft translates into
/// Microsoft.ML.Tokenizers: a BPE model (vocabulary, merges, unknown token, byte fallback), the
/// added tokens, the normalizer, the pre-tokenizer, and which decoder undoes them. Anything else is
/// refused by name.
/// </summary>
internal sealed record TokenizerDefinition
{
    public required string Path { get; init; }
    public required List<KeyValuePair<string, int>> Vocabulary { get; init; }
    public required List<string> Merges { get; init; }
    public string? UnknownToken { get; init; }
    public bool ByteFallback { get; init; }
    public string? ContinuingSubwordPrefix { get; init; }
    public string? EndOfWordSuffix { get; init; }
    public required List<AddedToken> AddedTokens { get; init; }
    public List<(NormalizerStep Step, string A, string B)> Normalizers { get; init; } = [];
    public bool ByteLevel { get; init; }
    public bool ByteLevelPrefixSpace { get; init; }
    public string? SplitPattern { get; init; }
    public Metaspace? Metaspace { get; init; }

    public static TokenizerDefinition Read(string path)
    {
        JsonElement root;
        try
        {
            using FileStream stream = File.OpenRead(path);
            root = JsonDocument.Parse(stream).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidModelException($"'{path}' is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", path, ex);
        }

        JsonElement model = Property(root, "model", path) ?? throw new InvalidModelException($"'{path}' has no \"model\".", path);
        string type = Property(model, "type", path)?.GetString() ?? "BPE";
        if (type != "BPE")
        {
            throw new NotSupportedException($"Tokenizer model type '{type}' in '{path}' is not supported; FastDraft reads BPE tokenizers (byte-level, or SentencePiece-style with byte fallback) and SentencePiece tokenizer.model files.");
        }

        var definition = new TokenizerDefinition
        {
            Path = path,
            Vocabulary = [.. (Property(model, "vocab", path) ?? throw new InvalidModelException($"'{path}' has no model.vocab.", path))
                .EnumerateObject().Select(p => new KeyValuePair<string, int>(p.Name, p.Value.GetInt32()))],
            Merges = [.. Items(Property(model, "merges", path)).Select(m =>
                m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!)],
            UnknownToken = Property(model, "unk_token", path)?.GetString(),
            ByteFallback = Property(model, "byte_fallback", path)?.ValueKind == JsonValueKind.True,
            ContinuingSubwordPrefix = NonEmpty(Property(model, "continuing_subword_prefix", path)?.GetString()),
            EndOfWordSuffix = NonEmpty(Property(model, "end_of_word_suffix", path)?.GetString()),
            AddedTokens = [.. Items(Property(root, "added_tokens", path)).Select(t => new AddedToken(
                t.GetProperty("id").GetInt32(),
                t.GetProperty("content").GetString()!,
                t.TryGetProperty("special", out JsonElement special) && special.ValueKind == JsonValueKind.True))],
        };

        definition = definition.WithNormalizer(Property(root, "normalizer", path));
        return definition.WithPreTokenizer(Property(root, "pre_tokenizer", path));
    }

    private TokenizerDefinition WithNormalizer(JsonElement? normalizer)
    {
        if (normalizer is not { } n)
        {
            return this;
        }

        var steps = new List<(NormalizerStep, string, string)>();
        foreach (JsonElement step in Flatten(n, "normalizers"))
        {
            string type = step.GetProperty("type").GetString()!;
            steps.Add(type switch
            {
                "Prepend" => (NormalizerStep.Prepend, step.GetProperty("prepend").GetString()!, string.Empty),
                "Replace" when step.GetProperty("pattern").TryGetProperty("String", out JsonElement from) =>
                    (NormalizerStep.Replace, from.GetString()!, step.GetProperty("content").GetString()!),
                "NFC" => (NormalizerStep.Nfc, string.Empty, string.Empty),
                "NFKC" => (NormalizerStep.Nfkc, string.Empty, string.Empty),
                "Lowercase" => (NormalizerStep.Lowercase, string.Empty, string.Empty),
                _ => throw new NotSupportedException($"Normalizer '{type}' in '{Path}' is not supported (supported: Prepend, Replace of a string, NFC, NFKC, Lowercase)."),
            });
        }

        return this with { Normalizers = steps };
    }

    private TokenizerDefinition WithPreTokenizer(JsonElement? preTokenizer)
    {
        if (preTokenizer is not { } p)
        {
            return this;
        }

        TokenizerDefinition result = this;
        foreach (JsonElement step in Flatten(p, "pretokenizers"))
        {
            string type = step.GetProperty("type").GetString()!;
            result = type switch
            {
                "ByteLevel" => result with
                {
                    ByteLevel = true,
                    ByteLevelPrefixSpace = step.TryGetProperty("add_prefix_space", out JsonElement prefix) && prefix.ValueKind == JsonValueKind.True,
                    SplitPattern = result.SplitPattern ?? (step.TryGetProperty("use_regex", out JsonElement regex) && regex.ValueKind == JsonValueKind.False ? null : Gpt2Pattern),
                },
                "Split" when step.GetProperty("pattern").TryGetProperty("Regex", out JsonElement pattern) => result with { SplitPattern = pattern.GetString() },
                "Metaspace" => result with
                {
                    Metaspace = new Metaspace(
                        step.TryGetProperty("replacement", out JsonElement r) ? r.GetString()! : "▁",
                        step.TryGetProperty("prepend_scheme", out JsonElement scheme) ? scheme.GetString()!
                            : step.TryGetProperty("add_prefix_space", out JsonElement legacy) && legacy.ValueKind == JsonValueKind.False ? "never" : "always",
                        !step.TryGetProperty("split", out JsonElement split) || split.ValueKind != JsonValueKind.False),
                },
                _ => throw new NotSupportedException($"Pre-tokenizer '{type}' in '{Path}' is not supported (supported: ByteLevel, Split by regex, Metaspace)."),
            };
        }

        return result;
    }

    /// <summary>GPT-2's pre-tokenization pattern, which the ByteLevel pre-tokenizer applies when use_regex is set.</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static JsonElement[] Flatten(JsonElement element, string listName) =>
        element.GetProperty("type").GetString() == "Sequence" ? [.. element.GetProperty(listName).EnumerateArray()] : [element];

    private static JsonElement? Property(JsonElement element, string name, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidModelException($"'{path}': expected a JSON object holding \"{name}\".", path);
        }

        return element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;
    }

    private static JsonElement[] Items(JsonElement? array) => array is { ValueKind: JsonValueKind.Array } a ? [.. a.EnumerateArray()] : [];

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
