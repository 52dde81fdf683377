using System.Text;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Onnx;

/// <summary>Values a model folder's configuration claims are checked, bounded and confined to the folder.</summary>
public sealed class ConfigurationTrustTests
{
    internal static string CopyOf(string source, string name)
    {
        string folder = TestModels.Scratch(name);
        foreach (string file in Directory.GetFiles(source))
        {
            string copy = Path.Combine(folder, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetAttributes(copy, FileAttributes.Normal);
        }

        return folder;
    }

    private static string EditConfig(string source, string name, Func<string, string> edit)
    {
        string folder = CopyOf(source, name);
        string config = Path.Combine(folder, "genai_config.json");
        string text = File.ReadAllText(config);
        string edited = edit(text);
        Assert.NotEqual(text, edited); // the edit must have found its target
        File.WriteAllText(config, edited);
        return folder;
    }

    public static TheoryData<string> WriterFlavours => new() { "gqa", "std" };

    [Theory]
    [MemberData(nameof(WriterFlavours))]
    public void SwappedPresentKeyAndValueNames_AreRefusedAtLoad_NamingTheCacheInputsAndOutputs(string flavour)
    {
        string source = flavour == "gqa" ? TestModels.GqaTarget : TestModels.StandardTarget;
        string folder = EditConfig(source, "swapped-" + flavour, text => text
            .Replace("\"present.%d.key\"", "\"PLACEHOLDER\"", StringComparison.Ordinal)
            .Replace("\"present.%d.value\"", "\"present.%d.key\"", StringComparison.Ordinal)
            .Replace("\"PLACEHOLDER\"", "\"present.%d.value\"", StringComparison.Ordinal));

        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains("does not round-trip", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input 'past_key_values.0.key' fed from output 'present.0.value'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input 'past_key_values.0.value' fed from output 'present.0.key'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, "genai_config.json"), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SharedModels.LlamaGqa)]
    [InlineData(SharedModels.LlamaMhaFp16)]
    public void SwappedPresentNames_InRealExports_AreRefused_IncludingFp16(string name)
    {
        // llama-mha-fp16 is the tight case: fp16 caches, tiny random logits (swapped: 0.045 apart; correct: 2.4e-4).
        string folder = EditConfig(SharedModels.Path(name), "swapped-" + name, text => text
            .Replace("\"present.%d.key\"", "\"PLACEHOLDER\"", StringComparison.Ordinal)
            .Replace("\"present.%d.value\"", "\"present.%d.key\"", StringComparison.Ordinal)
            .Replace("\"PLACEHOLDER\"", "\"present.%d.value\"", StringComparison.Ordinal));

        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains("input 'past_key_values.0.key' fed from output 'present.0.value'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(WriterFlavours))]
    public void WriterModels_StillLoad_WithTheRoundTripCheck(string flavour)
    {
        using OnnxCausalLM model = OnnxCausalLM.Load(flavour == "gqa" ? TestModels.GqaTarget : TestModels.StandardTarget);
        Assert.Equal(96, model.Info.VocabularySize);
    }

    [Theory]
    [InlineData(SharedModels.LlamaGqa)]
    [InlineData(SharedModels.LlamaMhaFp16)]
    [InlineData(SharedModels.Gpt2Legacy)]
    public void SharedFixtures_StillLoad_WithTheRoundTripCheck(string name)
    {
        using OnnxCausalLM model = OnnxCausalLM.Load(SharedModels.Path(name));
        Assert.True(model.Info.VocabularySize > 0);
    }

    [Fact]
    public void HugeIntraOpThreads_IsRefused_NamingTheValueAndTheBound()
    {
        string folder = EditConfig(TestModels.GqaTarget, "threads", text => text.Replace("\"log_id\"", "\"intra_op_num_threads\": 100000, \"log_id\"", StringComparison.Ordinal));
        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains("\"decoder.session_options.intra_op_num_threads\" is 100000", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"more than the {Math.Clamp(4 * Environment.ProcessorCount, 16, 256)} accepted", ex.Message, StringComparison.Ordinal);
        Assert.Contains("genai_config.json", ex.Message, StringComparison.Ordinal);

        var option = Assert.Throws<ArgumentOutOfRangeException>(() => OnnxCausalLM.Load(TestModels.GqaTarget, new OnnxModelOptions { IntraOpThreads = 100000 }));
        Assert.Contains("100000", option.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaneIntraOpThreads_FromTheFile_IsHonoured()
    {
        string folder = EditConfig(TestModels.GqaTarget, "threads-ok", text => text.Replace("\"log_id\"", "\"intra_op_num_threads\": 2, \"log_id\"", StringComparison.Ordinal));
        using OnnxCausalLM model = OnnxCausalLM.Load(folder, new OnnxModelOptions { Threading = OnnxThreading.PerSession });
        Assert.Equal(96, model.Info.VocabularySize);
    }

    [Theory]
    [InlineData("\"context_length\": 512", "\"context_length\": 2000000000", "\"context_length\" is 2000000000, more than the 16777216 accepted")]
    [InlineData("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000", "\"num_hidden_layers\" is 100000, more than the 1024 accepted")]
    [InlineData("\"head_size\": 16", "\"head_size\": 1000000", "\"head_size\" is 1000000, more than the 8192 accepted")]
    public void OutOfBoundsSizes_AreRefused_NamingKeyValueAndBound(string find, string replace, string expected)
    {
        string folder = EditConfig(TestModels.GqaTarget, "bounds", text => text.Replace(find, replace, StringComparison.Ordinal));
        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eos_token_id", 96)]
    [InlineData("bos_token_id", 5000)]
    [InlineData("pad_token_id", 96)]
    public void TokenIdBeyondTheVocabulary_IsRefused_NamingFileKeyAndId(string key, int id)
    {
        string folder = EditConfig(TestModels.GqaTarget, "ids", text => System.Text.RegularExpressions.Regex.Replace(text, $"\"{key}\": *[0-9]+", $"\"{key}\": {id}"));
        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains($"\"{key}\" is {id}, outside the model's vocabulary of 96 tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, "genai_config.json"), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dev/zero", "must be a path relative to the model folder")]
    [InlineData("../../model.onnx", "outside the model folder")]
    [InlineData("sub/../../x/model.onnx", "outside the model folder")]
    [InlineData(".", "is a folder")]
    public void FilenameOutsideTheFolder_IsRefused_NamingKeyAndPath(string filename, string expected)
    {
        string folder = EditConfig(TestModels.GqaTarget, "filename", text => text.Replace("\"filename\": \"model.onnx\"", $"\"filename\": \"{filename}\"", StringComparison.Ordinal));
        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("(decoder.filename)", ex.Message, StringComparison.Ordinal);
        Assert.Contains(filename == "." ? folder : filename, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FilenameNamingADeviceThroughALink_IsRefused_AsNotARegularFile()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows() || !File.Exists("/dev/zero"), "Needs /dev/zero and symbolic links.");
        string folder = EditConfig(TestModels.GqaTarget, "device", text => text.Replace("\"filename\": \"model.onnx\"", "\"filename\": \"zero.onnx\"", StringComparison.Ordinal));
        File.CreateSymbolicLink(Path.Combine(folder, "zero.onnx"), "/dev/zero");
        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains("not a regular file", ex.Message, StringComparison.Ordinal);
        Assert.Contains("zero.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(decoder.filename)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("genai_config.json")]
    [InlineData("config.json")]
    public void InvalidUtf8InAConfiguration_IsAnInvalidModelException_NamingFileAndKey(string file)
    {
        string folder = CopyOf(TestModels.GqaTarget, "utf8");
        if (file == "config.json")
        {
            File.Delete(Path.Combine(folder, "genai_config.json"));
        }

        // A string value holding bytes that are not UTF-8 (0xC3 0x28 is an invalid two-byte sequence).
        byte[] bytes = file == "genai_config.json"
            ? Encoding.UTF8.GetBytes("{ \"model\": { \"decoder\": { \"filename\": \"m\u0001odel.onnx\" } } }")
            : Encoding.UTF8.GetBytes("{ \"model_type\": \"llama\", \"vocab_size\": 96, \"eos_token_id\": \"\u0001\" }");
        int at = Array.IndexOf(bytes, (byte)1);
        bytes[at] = 0xC3;
        bytes = [.. bytes[..(at + 1)], 0x28, .. bytes[(at + 1)..]];
        File.WriteAllBytes(Path.Combine(folder, file), bytes);

        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains(Path.Combine(folder, file), ex.Message, StringComparison.Ordinal);
        Assert.Contains(file == "genai_config.json" ? "\"filename\"" : "eos_token_id", ex.Message, StringComparison.Ordinal);
    }
}
