using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Onnx;

/// <summary>Mistakes that ONNX Runtime would report in its own terms are refused in the caller's: which file, which key, what to do.</summary>
public sealed class LoadRefusalTests
{
    private static string CopyWithLayers(string source, int layers)
    {
        string folder = TestModels.Scratch($"layers-{layers}");
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            File.SetAttributes(Path.Combine(folder, Path.GetFileName(file)), FileAttributes.Normal);
        }

        string config = Path.Combine(folder, "genai_config.json");
        string text = File.ReadAllText(config);
        string edited = text.Replace("\"num_hidden_layers\": 2", $"\"num_hidden_layers\": {layers}", StringComparison.Ordinal);
        Assert.NotEqual(text, edited); // the edit found its target
        File.WriteAllText(config, edited);
        return folder;
    }

    public static TheoryData<string, int> LayerMismatches => new()
    {
        { "gqa", 1 }, // bound as given, ONNX Runtime said "GroupQueryAttention … Missing Input: past_key_values.1.key"
        { "gqa", 3 },
        { "std", 1 },
        { "std", 5 },
    };

    [Theory]
    [MemberData(nameof(LayerMismatches))]
    public void ConfigurationWhoseLayerCountDisagreesWithTheGraph_IsRefused_NamingTheKeyAndBothCounts(string flavour, int declared)
    {
        string folder = CopyWithLayers(flavour == "gqa" ? TestModels.GqaTarget : TestModels.StandardTarget, declared);

        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));

        Assert.Contains($"'{Path.Combine(folder, "genai_config.json")}' says \"num_hidden_layers\" is {declared}, but the graph", ex.Message, StringComparison.Ordinal);
        Assert.Contains("has 2 layers (key/value cache inputs 'past_key_values.0.key' to 'past_key_values.1.key')", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Correct num_hidden_layers to 2", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Missing Input", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(folder, "genai_config.json"), ex.Path);
    }

    [Theory]
    [InlineData("genai_config.json", "the model folder's ONNX Runtime GenAI configuration")]
    [InlineData("tokenizer.json", "a tokenizer file")]
    public void ConfigurationFilePassedForTheModel_IsRefused_PointingToTheFolder(string name, string what)
    {
        string file = Path.Combine(TestModels.TextModel, name);
        Assert.True(File.Exists(file));

        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(file));

        Assert.Equal($"'{file}' is {what}, not an ONNX model: OnnxCausalLM.Load takes the model folder ('{TestModels.TextModel}') or the decoder's .onnx file.", ex.Message);
        Assert.Equal(file, ex.Path);
    }

    [Fact]
    public void FileThatIsNotAnOnnxModel_IsRefused_SayingSo()
    {
        string file = Path.Combine(TestModels.Scratch("not-onnx"), "model.onnx");
        File.WriteAllText(file, "this is a text file, not a protobuf message: \u0001\u0002\u00ff");

        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(file));

        Assert.StartsWith($"'{file}' is not an ONNX model: it does not parse as one", ex.Message, StringComparison.Ordinal);
        Assert.Equal(file, ex.Path);
    }
}
