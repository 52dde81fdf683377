using System.Text.Json;

namespace FastDraft.OnnxRuntime.Config;

/// <summary>
/// What a model folder's configuration says: ONNX Runtime GenAI's <c>genai_config.json</c> when
/// present, else the Hugging Face <c>config.json</c> / <c>generation_config.json</c> beside a plain
/// export. Everything here is a claim to be checked against the graph, which wins on names and shapes.
/// </summary>
internal sealed record ModelFolderConfig
{
    public const string GenAIConfigFileName = "genai_config.json";

    public string? ConfigPath { get; init; }
    public string? ModelFileName { get; init; }
    public int? VocabularySize { get; init; }
    public int? ContextLength { get; init; }
    public int? Layers { get; init; }
    public int? KeyValueHeads { get; init; }
    public int? HeadSize { get; init; }
    public int[] EndOfSequenceIds { get; init; } = [];
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

    /// <summary>Reads the configuration of <paramref name="folder"/> (an empty one when the folder has no configuration file).</summary>
    public static ModelFolderConfig Read(string folder)
    {
        string genai = Path.Combine(folder, GenAIConfigFileName);
        if (File.Exists(genai))
        {
            return ReadGenAI(genai);
        }

        string hf = Path.Combine(folder, "config.json");
        return File.Exists(hf) ? ReadHuggingFace(hf, Path.Combine(folder, "generation_config.json")) : new ModelFolderConfig();
    }

    private static ModelFolderConfig ReadGenAI(string path)
    {
        using JsonDocument document = Parse(path);
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
            VocabularySize = reader.PositiveInt(model, "vocab_size"),
            ContextLength = reader.PositiveInt(model, "context_length"),
            Layers = reader.PositiveInt(decoder, "num_hidden_layers"),
            KeyValueHeads = reader.PositiveInt(decoder, "num_key_value_heads"),
            HeadSize = reader.PositiveInt(decoder, "head_size"),
            EndOfSequenceIds = reader.TokenIds(model, "eos_token_id"),
            BeginningOfSequenceId = reader.TokenIds(model, "bos_token_id") is [int bos, ..] ? bos : null,
            PaddingId = reader.TokenIds(model, "pad_token_id") is [int pad, ..] ? pad : null,
            IntraOpThreads = sessionOptions is { } so ? reader.PositiveInt(so, "intra_op_num_threads") : null,
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

    private static ModelFolderConfig ReadHuggingFace(string path, string generationPath)
    {
        using JsonDocument document = Parse(path);
        var reader = new JsonReader(path);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidModelException($"'{path}' must hold a JSON object.", path);
        }

        int[] eos = reader.TokenIds(root, "eos_token_id");
        if (eos.Length == 0 && File.Exists(generationPath))
        {
            using JsonDocument generation = Parse(generationPath);
            if (generation.RootElement.ValueKind == JsonValueKind.Object)
            {
                eos = new JsonReader(generationPath).TokenIds(generation.RootElement, "eos_token_id");
            }
        }

        return new ModelFolderConfig
        {
            ConfigPath = path,
            VocabularySize = reader.PositiveInt(root, "vocab_size"),
            ContextLength = reader.PositiveInt(root, "max_position_embeddings") ?? reader.PositiveInt(root, "n_positions"),
            EndOfSequenceIds = eos,
            BeginningOfSequenceId = reader.TokenIds(root, "bos_token_id") is [int bos, ..] ? bos : null,
            PaddingId = reader.TokenIds(root, "pad_token_id") is [int pad, ..] ? pad : null,
        };
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
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

            return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw Invalid($"\"{name}\" must be a non-empty string, not {value.ValueKind}");
        }

        public string? Pattern(JsonElement parent, string name)
        {
            string? pattern = String(parent, name);
            return pattern is null || pattern.Contains("%d", StringComparison.Ordinal)
                ? pattern
                : throw Invalid($"\"{name}\" must contain %d where the layer number goes, but is \"{pattern}\"");
        }

        public int? PositiveInt(JsonElement parent, string name)
        {
            if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) && number > 0
                ? number
                : throw Invalid($"\"{name}\" must be a positive integer, not {value}");
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
