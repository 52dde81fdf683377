using System.Text.Json;

namespace FastDraft.ModelWriter;

/// <summary>Writes the <c>genai_config.json</c> that ONNX Runtime GenAI (and FastDraft) read beside the graph.</summary>
internal static class GenAIConfig
{
    public static void Write(DecoderSpec spec, string path)
    {
        bool gqa = spec.Attention == AttentionKind.GroupQueryAttention;
        using FileStream file = File.Create(path);
        using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("model");
        json.WriteNumber("bos_token_id", spec.BeginningOfSequenceTokenId);
        json.WriteNumber("context_length", spec.ContextLength);
        json.WriteStartObject("decoder");
        json.WriteStartObject("session_options");
        json.WriteString("log_id", "onnxruntime-genai");
        json.WriteStartArray("provider_options");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteString("filename", LlamaModelWriter.ModelFileName);
        json.WriteNumber("head_size", spec.EffectiveHeadSize);
        json.WriteNumber("hidden_size", spec.HiddenSize);
        json.WriteStartObject("inputs");
        json.WriteString("input_ids", "input_ids");
        json.WriteString("attention_mask", "attention_mask");
        if (!gqa)
        {
            json.WriteString("position_ids", "position_ids");
        }

        json.WriteString("past_key_names", "past_key_values.%d.key");
        json.WriteString("past_value_names", "past_key_values.%d.value");
        json.WriteEndObject();
        json.WriteStartObject("outputs");
        json.WriteString("logits", "logits");
        json.WriteString("present_key_names", "present.%d.key");
        json.WriteString("present_value_names", "present.%d.value");
        json.WriteEndObject();
        json.WriteNumber("num_attention_heads", spec.Heads);
        json.WriteNumber("num_hidden_layers", spec.Layers);
        json.WriteNumber("num_key_value_heads", spec.KeyValueHeads);
        json.WriteEndObject();
        json.WriteNumber("eos_token_id", spec.EndOfSequenceTokenId);
        json.WriteNumber("pad_token_id", spec.PaddingTokenId);
        json.WriteString("type", "llama");
        json.WriteNumber("vocab_size", spec.VocabularySize);
        json.WriteEndObject();
        json.WriteStartObject("search");
        json.WriteBoolean("do_sample", false);
        json.WriteNumber("max_length", spec.ContextLength);
        json.WriteNumber("min_length", 0);
        json.WriteNumber("num_beams", 1);
        json.WriteNumber("num_return_sequences", 1);
        json.WriteBoolean("past_present_share_buffer", gqa);
        json.WriteNumber("repetition_penalty", 1.0);
        json.WriteNumber("temperature", 1.0);
        json.WriteNumber("top_k", 1);
        json.WriteNumber("top_p", 1.0);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
