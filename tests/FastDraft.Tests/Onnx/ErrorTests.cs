using FastDraft.ModelWriter.Protobuf;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Onnx;

/// <summary>Every bad input gets a typed exception whose message names the file, input or number at fault.</summary>
public sealed class ErrorTests
{
    private static string CopyOf(string source, string name)
    {
        string folder = TestModels.Scratch(name);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            File.SetAttributes(Path.Combine(folder, Path.GetFileName(file)), FileAttributes.Normal);
        }

        return folder;
    }

    [Fact]
    public void MissingFolder_ThrowsDirectoryNotFound_NamingIt()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-model-folder-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<DirectoryNotFoundException>(() => OnnxCausalLM.Load(missing));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingModelFile_ThrowsFileNotFound_NamingTheFileAndTheConfig()
    {
        string folder = CopyOf(TestModels.GqaTarget, "no-model");
        File.Delete(Path.Combine(folder, "model.onnx"));
        var ex = Assert.Throws<FileNotFoundException>(() => OnnxCausalLM.Load(folder));
        Assert.Equal(Path.Combine(folder, "model.onnx"), ex.FileName);
        Assert.Contains("genai_config.json", ex.Message, StringComparison.Ordinal);

        Assert.Throws<FileNotFoundException>(() => OnnxCausalLM.Load(Path.Combine(folder, "missing.onnx")));
        Assert.Throws<FileNotFoundException>(() => OnnxCausalLM.Load(TestModels.Scratch("empty")));
    }

    [Fact]
    public void MissingExternalWeights_ThrowsInvalidModel_NamingTheModel()
    {
        string folder = CopyOf(TestModels.GqaTarget, "no-weights");
        File.Delete(Path.Combine(folder, "model.onnx.data"));
        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains(Path.Combine(folder, "model.onnx"), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"model\": { \"decoder\": ", "is not valid JSON (line 1")]
    [InlineData("{ \"model\": { } }", "\"decoder\" is missing")]
    [InlineData("{ \"model\": { \"decoder\": { \"num_hidden_layers\": \"two\" } } }", "\"num_hidden_layers\" must be a positive integer")]
    [InlineData("{ \"model\": { \"eos_token_id\": \"</s>\", \"decoder\": { } } }", "\"eos_token_id\" must be a token id")]
    [InlineData("{ \"model\": { \"decoder\": { \"inputs\": { \"past_key_names\": \"past.key\" } } } }", "must contain %d")]
    [InlineData("{ \"model\": { \"decoder\": { \"num_key_value_heads\": 3 } } }", "key/value head count is 3, but the graph's input 'past_key_values.0.key' dimension 1 is 2")]
    [InlineData("{ \"model\": { \"decoder\": { \"inputs\": { \"input_ids\": \"tokens\" } } } }", "no input 'tokens'")]
    public void MalformedOrInconsistentConfig_ThrowsInvalidModel_NamingFileAndKey(string json, string expected)
    {
        string folder = CopyOf(TestModels.GqaTarget, "bad-config");
        string config = Path.Combine(folder, "genai_config.json");
        File.WriteAllText(config, json);
        var ex = Assert.Throws<InvalidModelException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(folder, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenBeyondTheModelsVocabulary_ThrowsBeforeNativeCode_NamingTheIdAndSize()
    {
        // The gpt2 fixture's tokenizer has 50257 entries; its model only 1000.
        using OnnxCausalLM model = OnnxCausalLM.Load(SharedModels.Path(SharedModels.Gpt2Legacy));
        var generator = new SpeculativeGenerator(model);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync(new[] { 464, 50256 }));
        Assert.Contains("50256", ex.Message, StringComparison.Ordinal);
        Assert.Contains("size 1000", ex.Message, StringComparison.Ordinal);

        using IModelSession session = model.CreateSession(8);
        var direct = Assert.Throws<ArgumentOutOfRangeException>(() => session.Append([12, 1000]));
        Assert.Contains("1000", direct.Message, StringComparison.Ordinal);
        session.Append([12, 999]); // still usable: nothing reached the runtime
        Assert.Equal(2, session.Length);
    }

    [Fact]
    public void PromptPlusMaxNewTokensBeyondContext_Throws_NamingTheNumbers()
    {
        using OnnxCausalLM target = OnnxCausalLM.Load(TestModels.GqaTarget);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SpeculativeGenerator(target).GenerateAsync(new int[12], new GenerationOptions { MaxNewTokens = 501 }));
        Assert.Contains("12 tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("501", ex.Message, StringComparison.Ordinal);
        Assert.Contains("512", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => target.CreateSession(513));
    }

    [Fact]
    public async Task LastPositionLogitsTarget_IsRefusedAsTarget_ButDraftsExactly()
    {
        using OnnxCausalLM lastOnly = OnnxCausalLM.Load(TestModels.Folder("last-only", TestModels.Target with { LastPositionLogitsOnly = true }));
        using OnnxCausalLM target = OnnxCausalLM.Load(TestModels.GqaTarget);

        var ex = Assert.Throws<ModelNotSupportedException>(() => new SpeculativeGenerator(lastOnly, target));
        Assert.Contains("'last-only'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("last position only", ex.Message, StringComparison.Ordinal);

        var options = new GenerationOptions { MaxNewTokens = 24, IgnoreEndOfSequence = true };
        GenerationResult drafted = await new SpeculativeGenerator(target, lastOnly).GenerateToListAsync(new[] { 1, 5, 7 }, options);
        GenerationResult alone = await new SpeculativeGenerator(target).GenerateToListAsync(new[] { 1, 5, 7 }, options);
        Assert.Equal(alone.Ids, drafted.Ids);
        Assert.Equal(1.0, drafted.Stats.AcceptanceRate); // same weights: it agrees everywhere
    }

    [Fact]
    public void TargetThatCannotScoreAfterACache_IsRefused_SayingWhy()
    {
        using OnnxCausalLM fp16 = OnnxCausalLM.Load(SharedModels.Path(SharedModels.LlamaMhaFp16));
        var ex = Assert.Throws<ModelNotSupportedException>(() => new SpeculativeGenerator(fp16, new NGramDraftModel()));
        Assert.Contains("'llama-mha-fp16'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot score several new tokens in one pass once a cache exists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelWithStateThatCannotBeRolledBack_IsRefusedAtLoad_NamingTheInput()
    {
        string folder = TestModels.Scratch("hybrid");
        WriteHybridLikeModel(folder);
        var ex = Assert.Throws<ModelNotSupportedException>(() => OnnxCausalLM.Load(folder));
        Assert.Contains("'past_conv.0'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("roll", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseAfterDispose_ThrowsObjectDisposed_NamingTheModel()
    {
        OnnxCausalLM model = OnnxCausalLM.Load(TestModels.GqaTarget);
        IModelSession session = model.CreateSession(16);
        var generator = new SpeculativeGenerator(model);
        model.Dispose();
        model.Dispose(); // idempotent

        var create = Assert.Throws<ObjectDisposedException>(() => model.CreateSession(16));
        Assert.Contains("target-gqa", create.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => session.Append([1, 2]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateToListAsync(new[] { 1, 2 }));
        session.Dispose(); // frees the native session now that no session holds it
    }

    /// <summary>A decoder with one attention cache plus a convolution state, as hybrid models have.</summary>
    private static void WriteHybridLikeModel(string folder)
    {
        const int Float = 1;
        const int Int64 = 7;
        using var g = new OnnxGraphBuilder(Path.Combine(folder, "model.onnx.data"));
        g.Opset(string.Empty, 17);
        g.Value(true, "input_ids", Int64, "batch", "sequence");
        g.Value(true, "attention_mask", Int64, "batch", "total");
        g.Value(true, "past_key_values.0.key", Float, "batch", 1, "past", 16);
        g.Value(true, "past_key_values.0.value", Float, "batch", 1, "past", 16);
        g.Value(true, "past_conv.0", Float, "batch", 16, 3);
        g.Value(false, "logits", Float, "batch", "sequence", 8);
        g.Value(false, "present.0.key", Float, "batch", 1, "total", 16);
        g.Value(false, "present.0.value", Float, "batch", 1, "total", 16);
        g.Value(false, "present_conv.0", Float, "batch", 16, 3);
        g.Node("Gather", [g.Weight("embed", [8, 8], new float[64]), "input_ids"], ["logits"], string.Empty);
        g.Node("Identity", ["past_key_values.0.key"], ["present.0.key"], string.Empty);
        g.Node("Identity", ["past_key_values.0.value"], ["present.0.value"], string.Empty);
        g.Node("Identity", ["past_conv.0"], ["present_conv.0"], string.Empty);
        g.Save(Path.Combine(folder, "model.onnx"), "hybrid", "test");
    }
}
