using System.Text.Json;

namespace FastDraft.OnnxRuntime.Internals.Config;

/// <summary>
/// What a model folder's configuration says: ONNX Runtime GenAI's <c>genai_config.json</c> when
/// present, else the Hugging Face <c>config.json</c> / <c>generation_config.json</c> beside a plain
/// export (<see cref="ModelFolder"/> finds and reads the files; this parses them). Everything here is
/// a claim to be checked against the graph, which wins on names and shapes.
/// </summary>
/// <remarks>
/// Every number is bounded here (a hostile or mistyped value must not make loading hang or allocate
/// without limit), and every malformed file, including invalid UTF-8, becomes an
/// <see cref="InvalidModelException"/> naming the file and the key or position.
/// </remarks>
internal sealed record ModelFolderConfig
{
    /// <summary>The largest vocabulary accepted (real ones stay below 2^18).</summary>
    public const int MaxVocabularySize = 1 << 24;

    /// <summary>The largest context length accepted (16M tokens; the largest real claims are about 10M).</summary>
    public const int MaxContextLength = 1 << 24;

    /// <summary>The most layers accepted.</summary>
    public const int MaxLayers = 1024;

    /// <summary>The most key/value heads accepted.</summary>
    public const int MaxKeyValueHeads = 1024;

    /// <summary>The largest head size accepted.</summary>
    public const int MaxHeadSize = 8192;

    /// <summary>
    /// Gets the most intra-op threads a configuration (or <see cref="OnnxModelOptions.IntraOpThreads"/>) may ask for:
    /// four per logical core, at least 16 and at most 256. ONNX Runtime creates every one of them at load, so a
    /// value of 100000 would make loading appear to hang while memory grows.
    /// </summary>
    public static int MaxIntraOpThreads => Math.Clamp(4 * Environment.ProcessorCount, 16, 256);

    public string? ConfigPath { get; init; }
    public string? ModelFileName { get; init; }
    public int? VocabularySize { get; init; }
    public int? ContextLength { get; init; }
    public int? Layers { get; init; }
    public int? KeyValueHeads { get; init; }
    public int? HeadSize { get; init; }
    public int[] EndOfSequenceIds { get; init; } = [];

    /// <summary>Gets the file the end-of-sequence ids came from (generation_config.json when config.json has none).</summary>
    public string? EndOfSequencePath { get; init; }
    public int? BeginningOfSequenceId { get; init; }
    public int? PaddingId { get; init; }
    public int? IntraOpThreads { get; init; }

    public string InputIdsName { get; init; } = "input_ids";
    public string AttentionMaskName { get; init; } = "attention_mask";
    public string PositionIdsName { get; init; } = "position_ids";
    public string? PastKeyPattern { get; init; }
    public string? PastValuePattern { get; init; }
    public string? PastPackedPattern { get; init; }
    public string LogitsName { get; init; } = "logits";
    public string? PresentKeyPattern { get; init; }
    public string? PresentValuePattern { get; init; }
    public string? PresentPackedPattern { get; init; }

    /// <summary>Parses the text of a <c>genai_config.json</c> said to be at <paramref name="path"/>.</summary>
    internal static ModelFolderConfig ParseGenAI(string path, byte[] json) => Guard(path, () => ReadGenAI(path, json));

    /// <summary>
    /// Parses the text of a Hugging Face <c>config.json</c> said to be at <paramref name="path"/>; the end-of-sequence ids come
    /// from the <c>generation_config.json</c> at <paramref name="generationPath"/> when it has none (no such file when empty).
    /// </summary>
    internal static ModelFolderConfig ParseHuggingFace(string path, byte[] json, string generationPath = "") => Guard(path, () => ReadHuggingFace(path, json, generationPath));

    /// <summary>Refuses token ids (end/beginning of sequence, padding) outside the graph's vocabulary, naming the file, the key and the id.</summary>
    public void CheckTokenIds(int vocabularySize)
    {
        foreach (int id in EndOfSequenceIds)
        {
            Check(EndOfSequencePath ?? ConfigPath, "eos_token_id", id);
        }

        Check(ConfigPath, "bos_token_id", BeginningOfSequenceId);
        Check(ConfigPath, "pad_token_id", PaddingId);

        void Check(string? path, string key, int? id)
        {
            if (id >= vocabularySize)
            {
                throw new InvalidModelException($"Malformed model configuration '{path}': \"{key}\" is {id}, outside the model's vocabulary of {vocabularySize} tokens (ids 0 to {vocabularySize - 1}).", path);
            }
        }
    }

    /// <summary>Turns what the JSON reader throws on text it cannot decode (invalid UTF-8 in a string or name) into the documented exception.</summary>
    private static ModelFolderConfig Guard(string path, Func<ModelFolderConfig> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidModelException($"Malformed model configuration '{path}': {ex.Message}", path, ex);
        }
    }

    private static ModelFolderConfig ReadGenAI(string path, byte[] json)
    {
        using JsonDocument document = Parse(path, json);
        var reader = new JsonReader(path);
        JsonElement model = reader.Object(document.RootElement, "model", required: true)!.Value;
        JsonElement decoder = reader.Object(model, "decoder", required: true)!.Value;
        JsonElement? inputs = reader.Object(decoder, "inputs", required: false);
        JsonElement? outputs = reader.Object(decoder, "outputs", required: false);
        JsonElement? sessionOptions = reader.Object(decoder, "session_options", required: false);
        return new ModelFolderConfig
        {
            ConfigPath = path,
            ModelFileName = reader.String(decoder, "filename"),
            VocabularySize = reader.PositiveInt(model, "vocab_size", MaxVocabularySize),
            ContextLength = reader.PositiveInt(model, "context_length", MaxContextLength),
            Layers = reader.PositiveInt(decoder, "num_hidden_layers", MaxLayers),
            KeyValueHeads = reader.PositiveInt(decoder, "num_key_value_heads", MaxKeyValueHeads),
            HeadSize = reader.PositiveInt(decoder, "head_size", MaxHeadSize),
            EndOfSequenceIds = reader.TokenIds(model, "eos_token_id"),
            BeginningOfSequenceId = reader.TokenIds(model, "bos_token_id") is [int bos, ..] ? bos : null,
            PaddingId = reader.TokenIds(model, "pad_token_id") is [int pad, ..] ? pad : null,
            IntraOpThreads = sessionOptions is { } so ? reader.PositiveInt(so, "intra_op_num_threads", MaxIntraOpThreads, "decoder.session_options.") : null,
            InputIdsName = (inputs is { } i ? reader.String(i, "input_ids") : null) ?? "input_ids",
            AttentionMaskName = (inputs is { } m ? reader.String(m, "attention_mask") : null) ?? "attention_mask",
            PositionIdsName = (inputs is { } p ? reader.String(p, "position_ids") : null) ?? "position_ids",
            PastKeyPattern = inputs is { } pk ? reader.Pattern(pk, "past_key_names") : null,
            PastValuePattern = inputs is { } pv ? reader.Pattern(pv, "past_value_names") : null,
            PastPackedPattern = inputs is { } pp ? reader.Pattern(pp, "past_names") : null,
            LogitsName = (outputs is { } l ? reader.String(l, "logits") : null) ?? "logits",
            PresentKeyPattern = outputs is { } ok ? reader.Pattern(ok, "present_key_names") : null,
            PresentValuePattern = outputs is { } ov ? reader.Pattern(ov, "present_value_names") : null,
            PresentPackedPattern = outputs is { } op ? reader.Pattern(op, "present_names") : null,
        };
    }

    private static ModelFolderConfig ReadHuggingFace(string path, byte[] json, string generationPath)
    {
        using JsonDocument document = Parse(path, json);
        var reader = new JsonReader(path);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidModelException($"'{path}' must hold a JSON object.", path);
        }

        int[] eos = reader.TokenIds(root, "eos_token_id");
        string eosPath = path;
        if (eos.Length == 0 && generationPath.Length > 0 && File.Exists(generationPath))
        {
            eosPath = generationPath;
            using JsonDocument generation = Parse(generationPath, ModelFolder.ReadConfigFile(generationPath));
            if (generation.RootElement.ValueKind == JsonValueKind.Object)
            {
                eos = new JsonReader(generationPath).TokenIds(generation.RootElement, "eos_token_id");
            }
        }

        return new ModelFolderConfig
        {
            ConfigPath = path,
            VocabularySize = reader.PositiveInt(root, "vocab_size", MaxVocabularySize),
            ContextLength = reader.PositiveInt(root, "max_position_embeddings", MaxContextLength) ?? reader.PositiveInt(root, "n_positions", MaxContextLength),
            EndOfSequenceIds = eos,
            EndOfSequencePath = eosPath,
            BeginningOfSequenceId = reader.TokenIds(root, "bos_token_id") is [int bos, ..] ? bos : null,
            PaddingId = reader.TokenIds(root, "pad_token_id") is [int pad, ..] ? pad : null,
        };
    }

    private static JsonDocument Parse(string path, byte[] json)
    {
        try
        {
            // A UTF-8 byte order mark is allowed (editors write one); the reader of bytes would refuse it.
            ReadOnlyMemory<byte> text = json.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? json.AsMemory(3) : json;
            return JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new InvalidModelException($"'{path}' is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}", path, ex);
        }
    }

    /// <summary>Typed access to JSON values with errors that name the file and the key.</summary>
    private readonly struct JsonReader(string path)
    {
        public JsonElement? Object(JsonElement parent, string name, bool required)
        {
            if (parent.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"expected a JSON object holding \"{name}\"");
            }

            if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return required ? throw Invalid($"the required object \"{name}\" is missing") : null;
            }

            return value.ValueKind == JsonValueKind.Object ? value : throw Invalid($"\"{name}\" must be an object, not {value.ValueKind}");
        }

        public string? String(JsonElement parent, string name)
        {
            if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"\"{name}\" must be a non-empty string, not {value.ValueKind}");
            }

            string? text;
            try
            {
                text = value.GetString();
            }
            catch (InvalidOperationException)
            {
                throw Invalid($"\"{name}\" is not valid UTF-8");
            }

            return text is { Length: > 0 } ? text : throw Invalid($"\"{name}\" must be a non-empty string");
        }

        public string? Pattern(JsonElement parent, string name)
        {
            string? pattern = String(parent, name);
            return pattern is null || pattern.Contains("%d", StringComparison.Ordinal)
                ? pattern
                : throw Invalid($"\"{name}\" must contain %d where the layer number goes, but is \"{pattern}\"");
        }

        public int? PositiveInt(JsonElement parent, string name, int max, string scope = "")
        {
            if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number) || number <= 0)
            {
                throw Invalid($"\"{scope}{name}\" must be a positive integer, not {value}");
            }

            return number <= max ? number : throw Invalid($"\"{scope}{name}\" is {number}, more than the {max} accepted");
        }

        public int[] TokenIds(JsonElement parent, string name)
        {
            if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (value.ValueKind == JsonValueKind.Number)
            {
                return value.TryGetInt32(out int id) && id >= 0 ? [id] : throw Invalid($"\"{name}\" must be a token id (a non-negative integer), not {value}");
            }

            if (value.ValueKind == JsonValueKind.Array)
            {
                var ids = new List<int>();
                foreach (JsonElement item in value.EnumerateArray())
                {
                    ids.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out int id) && id >= 0
                        ? id
                        : throw Invalid($"\"{name}\" must hold token ids (non-negative integers), not {item}"));
                }

                return [.. ids];
            }

            throw Invalid($"\"{name}\" must be a token id or an array of them, not {value.ValueKind}");
        }

        private InvalidModelException Invalid(string problem) => new($"Malformed model configuration '{path}': {problem}.", path);
    }
}
