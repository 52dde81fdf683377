using System.Text.Json;
using FastDraft.ModelWriter;

namespace FastDraft.Training;

/// <summary>
/// Reads a target's shape (width, depth, heads, vocabulary, context) from its model folder's configuration without
/// loading the model: <c>genai_config.json</c> (ONNX Runtime GenAI) or else a Hugging Face <c>config.json</c>.
/// </summary>
internal static class TargetShape
{
    /// <summary>Reads the shape; <see langword="null"/> when the folder states no width or depth (or cannot be read).</summary>
    public static DecoderSpec? Read(string folder)
    {
        try
        {
            string genai = Path.Combine(folder, "genai_config.json");
            if (File.Exists(genai))
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(genai));
                JsonElement model = document.RootElement.GetProperty("model");
                JsonElement decoder = model.TryGetProperty("decoder", out JsonElement d) ? d : default;
                return Shape(
                    Int(decoder, "hidden_size"),
                    Int(decoder, "num_hidden_layers"),
                    Int(decoder, "num_attention_heads"),
                    Int(decoder, "num_key_value_heads"),
                    Int(decoder, "head_size"),
                    Int(model, "vocab_size"),
                    Int(model, "context_length"));
            }

            string hf = Path.Combine(folder, "config.json");
            if (File.Exists(hf))
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(hf));
                JsonElement root = document.RootElement;
                return Shape(
                    Int(root, "hidden_size") ?? Int(root, "n_embd"),
                    Int(root, "num_hidden_layers") ?? Int(root, "n_layer"),
                    Int(root, "num_attention_heads") ?? Int(root, "n_head"),
                    Int(root, "num_key_value_heads"),
                    Int(root, "head_dim"),
                    Int(root, "vocab_size"),
                    Int(root, "max_position_embeddings") ?? Int(root, "n_positions"));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // Loading the target reports what is wrong with its configuration; the default shape stands in meanwhile.
        }

        return null;
    }

    /// <summary>Gets the decoder's ONNX file: <c>genai_config.json</c>'s <c>model.decoder.filename</c>, else <c>model.onnx</c>; <see langword="null"/> when absent.</summary>
    public static string? ModelFile(string folder)
    {
        string name = "model.onnx";
        try
        {
            string genai = Path.Combine(folder, "genai_config.json");
            if (File.Exists(genai))
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(genai));
                if (document.RootElement.GetProperty("model").TryGetProperty("decoder", out JsonElement decoder)
                    && decoder.TryGetProperty("filename", out JsonElement file) && file.ValueKind == JsonValueKind.String
                    && file.GetString() is { Length: > 0 } given && Path.GetFileName(given) == given)
                {
                    name = given;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // The default name stands.
        }

        string path = Path.Combine(folder, name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Completes what a configuration states: the width from heads × head size when absent (GPT-2 exports), the heads from the width.</summary>
    private static DecoderSpec? Shape(int? hidden, int? layers, int? heads, int? keyValueHeads, int? headSize, int? vocabulary, int? context)
    {
        int? kv = keyValueHeads ?? heads;
        hidden ??= (heads ?? kv) * headSize;
        heads ??= headSize is > 0 && hidden is { } h ? h / headSize : kv;
        if (hidden is not > 0 || layers is not > 0)
        {
            return null;
        }

        return new DecoderSpec
        {
            HiddenSize = hidden.Value,
            Layers = layers.Value,
            Heads = heads is > 0 ? heads.Value : 1,
            KeyValueHeads = kv is > 0 ? kv.Value : 1,
            HeadSize = headSize,
            VocabularySize = vocabulary is > 0 ? vocabulary.Value : 1,
            ContextLength = context is > 0 ? context.Value : 2048,
        };
    }

    private static int? Int(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : null;
}
