using System.Text.Json;
using System.Text.RegularExpressions;
using static FastDraft.Text.Internals.Tokenizers.JsonFields;

namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>
/// What a Hugging Face <c>tokenizer.json</c> says, reduced to what FastDraft translates into
/// Microsoft.ML.Tokenizers: a BPE model (vocabulary, merges, unknown token, byte fallback), the
/// added tokens, the normalizer, the pre-tokenizer steps, and which decoder undoes them. Anything else
/// is refused by name (<see cref="NotSupportedException"/>); a malformed file by file and key
/// (<see cref="InvalidModelException"/>).
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
    public List<SplitStep> PreTokenizeSteps { get; init; } = [];
    public Metaspace? Metaspace { get; init; }

    /// <summary>The <c>model.type</c> of a <c>tokenizer.json</c> (<c>BPE</c> when absent), to choose its reader.</summary>
    public static string ReadModelType(string path)
    {
        JsonElement root = ParseObject(path);
        JsonElement model = OptionalObject(root, "model", path, string.Empty) ?? throw new InvalidModelException($"'{path}' has no \"model\".", path);
        return OptionalString(model, "type", path, "model") ?? "BPE";
    }

    public static TokenizerDefinition Read(string path)
    {
        JsonElement root = ParseObject(path);
        JsonElement model = OptionalObject(root, "model", path, string.Empty) ?? throw new InvalidModelException($"'{path}' has no \"model\".", path);
        string type = OptionalString(model, "type", path, "model") ?? "BPE";
        if (type != "BPE")
        {
            throw new NotSupportedException($"Tokenizer model type '{type}' in '{path}' is not supported; FastDraft reads BPE tokenizers (byte-level, or SentencePiece-style with byte fallback), Unigram tokenizers and SentencePiece tokenizer.model files.");
        }

        var definition = new TokenizerDefinition
        {
            Path = path,
            Vocabulary = ReadVocabulary(model, path),
            Merges = [.. Items(model, "merges", path, "model").Select((m, i) => Merge(m, path, $"model.merges[{i}]"))],
            UnknownToken = OptionalString(model, "unk_token", path, "model"),
            ByteFallback = Flag(model, "byte_fallback", path, "model"),
            ContinuingSubwordPrefix = NonEmpty(OptionalString(model, "continuing_subword_prefix", path, "model")),
            EndOfWordSuffix = NonEmpty(OptionalString(model, "end_of_word_suffix", path, "model")),
            AddedTokens = [.. Items(root, "added_tokens", path, string.Empty).Select((t, i) => new AddedToken(
                Id(Required(t, "id", path, $"added_tokens[{i}]"), path, $"added_tokens[{i}].id"),
                RequiredString(t, "content", path, $"added_tokens[{i}]"),
                Flag(t, "special", path, $"added_tokens[{i}]")))],
        };

        definition = definition.WithNormalizer(OptionalObject(root, "normalizer", path, string.Empty));
        definition = definition.WithPreTokenizer(OptionalObject(root, "pre_tokenizer", path, string.Empty));
        definition.Validate();
        return definition;
    }

    private static List<KeyValuePair<string, int>> ReadVocabulary(JsonElement model, string path)
    {
        JsonElement vocab = OptionalObject(model, "vocab", path, "model") ?? throw new InvalidModelException($"'{path}' has no model.vocab.", path);
        var entries = new List<KeyValuePair<string, int>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            string token = Name(entry, path, "model.vocab");
            string where = $"model.vocab[{Quote(token)}]";
            int id = Id(entry.Value, path, where);
            if (!seen.Add(token))
            {
                throw new InvalidModelException($"'{path}': {where} appears twice in the vocabulary.", path);
            }

            entries.Add(new KeyValuePair<string, int>(token, id));
        }

        return entries;
    }

    /// <summary>A merge as Microsoft.ML.Tokenizers reads it: the two tokens, separated by one space.</summary>
    private static string Merge(JsonElement merge, string path, string where)
    {
        if (merge.ValueKind == JsonValueKind.Array)
        {
            if (merge.GetArrayLength() != 2)
            {
                throw new InvalidModelException($"'{path}': {where} has {merge.GetArrayLength()} tokens; a merge has two.", path);
            }

            string left = StringValue(merge[0], path, where + "[0]");
            string right = StringValue(merge[1], path, where + "[1]");
            return left.Contains(' ', StringComparison.Ordinal) || right.Contains(' ', StringComparison.Ordinal)
                ? throw new NotSupportedException($"'{path}': {where} merges tokens that contain a space, which Microsoft.ML.Tokenizers' BPE cannot represent.")
                : $"{left} {right}";
        }

        string text = StringValue(merge, path, where);
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && space < text.Length - 1 && text.IndexOf(' ', space + 1) < 0 ? text
            : throw new InvalidModelException($"'{path}': {where} ({Quote(text)}) is not two tokens separated by one space.", path);
    }

    /// <summary>Checks what the parts say together: a vocabulary, merges of its tokens, ids in bounds.</summary>
    private void Validate()
    {
        if (Vocabulary.Count == 0)
        {
            throw new InvalidModelException($"'{Path}': model.vocab is empty.", Path);
        }

        var tokens = new HashSet<string>(Vocabulary.Select(p => p.Key), StringComparer.Ordinal);
        var ids = new HashSet<int>();
        foreach ((string token, int id) in Vocabulary)
        {
            if (!ids.Add(id))
            {
                throw new InvalidModelException($"'{Path}': model.vocab gives id {id} to more than one token (one is {Quote(token)}).", Path);
            }
        }

        for (int i = 0; i < Merges.Count; i++)
        {
            string[] pair = Merges[i].Split(' ');
            foreach (string token in pair)
            {
                if (!tokens.Contains(token))
                {
                    throw new InvalidModelException($"'{Path}': model.merges[{i}] names {Quote(token)}, which is not in the vocabulary.", Path);
                }
            }
        }

        if (UnknownToken is { } unknown && !tokens.Contains(unknown))
        {
            throw new InvalidModelException($"'{Path}': model.unk_token {Quote(unknown)} is not in the vocabulary.", Path);
        }

        int entries = tokens.Count + AddedTokens.Count(t => !tokens.Contains(t.Content));
        TokenIds.CheckBound(Vocabulary.Select(p => (p.Key, p.Value, "model.vocab")), entries, Path);
        TokenIds.CheckBound(AddedTokens.Select((t, i) => (t.Content, t.Id, $"added_tokens[{i}]")), entries, Path);
    }

    private TokenizerDefinition WithNormalizer(JsonElement? normalizer)
    {
        if (normalizer is not { } n)
        {
            return this;
        }

        var steps = new List<(NormalizerStep, string, string)>();
        foreach ((JsonElement step, string where) in Flatten(n, "normalizers", "normalizer"))
        {
            string type = RequiredString(step, "type", Path, where);
            steps.Add(type switch
            {
                "Prepend" => (NormalizerStep.Prepend, RequiredString(step, "prepend", Path, where), string.Empty),
                "Replace" => (NormalizerStep.Replace, ReplacedString(step, where), RequiredString(step, "content", Path, where)),
                "NFC" => (NormalizerStep.Nfc, string.Empty, string.Empty),
                "NFKC" => (NormalizerStep.Nfkc, string.Empty, string.Empty),
                "Lowercase" => (NormalizerStep.Lowercase, string.Empty, string.Empty),
                _ => throw new NotSupportedException($"Normalizer '{type}' ({where}) in '{Path}' is not supported (supported: Prepend, Replace of a string, NFC, NFKC, Lowercase)."),
            });
        }

        return this with { Normalizers = steps };
    }

    private string ReplacedString(JsonElement step, string where)
    {
        JsonElement pattern = Required(step, "pattern", Path, where);
        if (OptionalString(pattern, "String", Path, where + ".pattern") is { } text)
        {
            return text.Length > 0 ? text : throw new InvalidModelException($"'{Path}': {where}.pattern.String is empty.", Path);
        }

        throw new NotSupportedException($"Normalizer Replace ({where}) in '{Path}' replaces something other than a string; only {{\"String\": ...}} patterns are supported.");
    }

    private TokenizerDefinition WithPreTokenizer(JsonElement? preTokenizer)
    {
        if (preTokenizer is not { } p)
        {
            return this;
        }

        TokenizerDefinition result = this;
        var splits = new List<SplitStep>();
        int index = 0;
        foreach ((JsonElement step, string where) in Flatten(p, "pretokenizers", "pre_tokenizer"))
        {
            string type = RequiredString(step, "type", Path, where);
            if (result.ByteLevel)
            {
                // ByteLevel rewrites the text into its byte alphabet, which a later step would then see.
                throw new NotSupportedException($"Pre-tokenizer '{type}' ({where}) in '{Path}' follows ByteLevel, which is not supported; ByteLevel must be the last step.");
            }

            result = type switch
            {
                "ByteLevel" => result.WithByteLevel(step, where, splits),
                "Split" => result.WithSplit(step, where, splits),
                "Metaspace" when index == 0 => result.WithMetaspace(step, where, splits),
                "Metaspace" => throw new NotSupportedException($"Pre-tokenizer Metaspace ({where}) in '{Path}' is not the first step, which is not supported."),
                _ => throw new NotSupportedException($"Pre-tokenizer '{type}' ({where}) in '{Path}' is not supported (supported: ByteLevel, Split, Metaspace, and a Sequence of them)."),
            };
            index++;
        }

        return result with { PreTokenizeSteps = splits };
    }

    private TokenizerDefinition WithByteLevel(JsonElement step, string where, List<SplitStep> splits)
    {
        bool prefixSpace = Flag(step, "add_prefix_space", Path, where);
        if (prefixSpace && splits.Count > 0)
        {
            // Hugging Face adds the space to every piece an earlier step made; FastDraft adds it once per text.
            throw new NotSupportedException($"Pre-tokenizer ByteLevel ({where}) in '{Path}' adds a prefix space after another step, which is not supported.");
        }

        if (Flag(step, "use_regex", Path, where, absent: true))
        {
            splits.Add(new SplitStep(SplitStep.CreateRegex(Gpt2Pattern), SplitBehavior.Isolated, Invert: false));
        }

        return this with { ByteLevel = true, ByteLevelPrefixSpace = prefixSpace };
    }

    private TokenizerDefinition WithSplit(JsonElement step, string where, List<SplitStep> splits)
    {
        JsonElement pattern = Required(step, "pattern", Path, where);
        string? regex = OptionalString(pattern, "Regex", Path, where + ".pattern");
        string? literal = regex is null ? OptionalString(pattern, "String", Path, where + ".pattern") : null;
        if (regex is null && literal is null)
        {
            throw new InvalidModelException($"'{Path}': {where}.pattern has neither \"Regex\" nor \"String\".", Path);
        }

        string behaviorName = RequiredString(step, "behavior", Path, where);
        SplitBehavior behavior = behaviorName switch
        {
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            _ => throw new InvalidModelException($"'{Path}': {where}.behavior '{behaviorName}' is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous.", Path),
        };

        Regex compiled;
        try
        {
            compiled = SplitStep.CreateRegex(regex ?? Regex.Escape(literal!));
        }
        catch (ArgumentException ex)
        {
            throw new NotSupportedException($"Pre-tokenizer Split ({where}) in '{Path}': .NET cannot compile the pattern {Quote(regex ?? literal!)}: {ex.Message}", ex);
        }

        splits.Add(new SplitStep(compiled, behavior, Flag(step, "invert", Path, where)));
        return this;
    }

    private TokenizerDefinition WithMetaspace(JsonElement step, string where, List<SplitStep> splits)
    {
        string replacement = OptionalString(step, "replacement", Path, where) ?? "▁";
        if (replacement.Length == 0 || (replacement.Length > 1 && !(replacement.Length == 2 && char.IsSurrogatePair(replacement[0], replacement[1]))))
        {
            throw new InvalidModelException($"'{Path}': {where}.replacement {Quote(replacement)} is not one character.", Path);
        }

        string scheme = OptionalString(step, "prepend_scheme", Path, where)
            ?? (Flag(step, "add_prefix_space", Path, where, absent: true) ? "always" : "never");
        if (scheme is not ("always" or "first" or "never"))
        {
            throw new InvalidModelException($"'{Path}': {where}.prepend_scheme '{scheme}' is not one of always, first, never.", Path);
        }

        bool split = Flag(step, "split", Path, where, absent: true);
        if (split)
        {
            splits.Add(new SplitStep(SplitStep.CreateRegex(Regex.Escape(replacement)), SplitBehavior.MergedWithNext, Invert: false));
        }

        return this with { Metaspace = new Metaspace(replacement, scheme, split) };
    }

    /// <summary>GPT-2's pre-tokenization pattern, which the ByteLevel pre-tokenizer applies when use_regex is set.</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The steps of a normalizer or pre-tokenizer, a Sequence (nested or not) in order, each with where it is in the file.</summary>
    private List<(JsonElement Step, string Where)> Flatten(JsonElement element, string listName, string where)
    {
        var steps = new List<(JsonElement, string)>();
        Add(element, where);
        return steps;

        void Add(JsonElement item, string at)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidModelException($"'{Path}': {at} is a JSON {item.ValueKind.ToString().ToLowerInvariant()}, expected an object.", Path);
            }

            if (RequiredString(item, "type", Path, at) != "Sequence")
            {
                steps.Add((item, at));
                return;
            }

            JsonElement[] children = Items(item, listName, Path, at);
            for (int i = 0; i < children.Length; i++)
            {
                Add(children[i], $"{at}.{listName}[{i}]");
            }
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
