using System.Text;
using FastDraft.ModelWriter;
using FastDraft.Training;

namespace FastDraft.Fuzz;

/// <summary>Valid inputs to start each target's corpus from: a tiny written model folder, its tokenizer, a config and an alignment file.</summary>
internal static class Seeds
{
    private const string HuggingFaceConfig = """
        { "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": [2, 3], "hidden_size": 16,
          "max_position_embeddings": 64, "model_type": "llama", "num_attention_heads": 2, "num_hidden_layers": 1,
          "num_key_value_heads": 1, "pad_token_id": 0, "torch_dtype": "float32", "vocab_size": 32 }
        """;

    private static readonly Lazy<string> Tokenizer = new(() =>
    {
        string folder = Path.Combine(Path.GetTempPath(), "fastdraft-fuzz", "seed-tokenizer-" + Environment.ProcessId);
        WriteTokenizer(folder);
        return folder;
    });

    /// <summary>Gets a folder holding the seed tokenizer's two files.</summary>
    public static string TokenizerFolder => Tokenizer.Value;

    /// <summary>Writes the seed tokenizer (byte-level BPE with a few words, special tokens and a chat template).</summary>
    public static void WriteTokenizer(string folder) =>
        TokenizerWriter.WriteByteLevel(folder, 300, ["def", "return", "self", "import"], ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}");

    /// <summary>Writes one seed file per target into <c>&lt;root&gt;/&lt;target&gt;/</c>.</summary>
    public static void Write(string root)
    {
        string model = Path.Combine(Path.GetTempPath(), "fastdraft-fuzz", "seed-model-" + Environment.ProcessId);
        LlamaModelWriter.Write(new DecoderSpec { VocabularySize = 32, HiddenSize = 32, Layers = 1, Heads = 2, KeyValueHeads = 1, IntermediateSize = 16, ContextLength = 64, Seed = 3 }, model);
        Put(root, "genai-config", File.ReadAllBytes(Path.Combine(model, "genai_config.json")));
        Put(root, "onnx-graph", File.ReadAllBytes(Path.Combine(model, "model.onnx")));
        Put(root, "hf-config", Encoding.UTF8.GetBytes(HuggingFaceConfig));
        Put(root, "tokenizer-json", File.ReadAllBytes(Path.Combine(TokenizerFolder, "tokenizer.json")));
        Put(root, "tokenizer-config", File.ReadAllBytes(Path.Combine(TokenizerFolder, "tokenizer_config.json")));

        string alignment = Path.Combine(model, "alignment.fdad");
        using (FileStream file = AlignmentDataFile.OpenForAppend(alignment, vocabularySize: 32, topK: 2, out _))
        {
            AlignmentDataFile.Append(file, [1, 2, 3, 4, 5], 3, ContinuationKind.Greedy, [4, 7, 5, 9], [0.75f, 0.25f, 0.5f, 0.5f], 2);
            AlignmentDataFile.Append(file, [6, 7, 8], 2, ContinuationKind.Sampled, [8, 1], [0.9f, 0.1f], 2);
        }

        Put(root, "alignment-data", File.ReadAllBytes(alignment));
    }

    private static void Put(string root, string target, byte[] bytes)
    {
        string folder = Path.Combine(root, target);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "seed"), bytes);
    }
}
