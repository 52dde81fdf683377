using FastDraft.OnnxRuntime;
using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FastDraft.Tests.Onnx;

public sealed class ModelLoadingTests
{
    [Fact]
    public void Load_GroupQueryAttentionModel_BindsOneSharedBufferPerLayer()
    {
        using OnnxCausalLM model = OnnxCausalLM.Load(TestModels.GqaTarget);

        Assert.True(model.UsesSharedKvBuffer);
        Assert.True(model.Info.SupportsVerification);
        Assert.Equal(96, model.Info.VocabularySize);
        Assert.Equal(512, model.Info.ContextLength);
        Assert.Equal([2], model.Info.EndOfSequenceTokenIds);
        Assert.Equal(1, model.Info.BeginningOfSequenceTokenId);
        Assert.Null(model.Layout.PositionIds);
        Assert.Equal((2, 16, 4), (model.Layout.KvHeads, model.Layout.HeadSize, model.Layout.Kv.Length));
    }

    [Fact]
    public void Load_StandardOpsModel_GrowsItsCache()
    {
        using OnnxCausalLM model = OnnxCausalLM.Load(TestModels.StandardTarget);

        Assert.False(model.UsesSharedKvBuffer);
        Assert.True(model.Info.SupportsVerification);
        Assert.NotNull(model.Layout.PositionIds);
        Assert.Same(model, model.GetService(typeof(OnnxCausalLM)));
        Assert.IsType<InferenceSession>(model.GetService(typeof(InferenceSession)));
        Assert.Null(model.GetService(typeof(string)));
    }

    [Fact]
    public void Load_FixtureWithConfigNamingAMissingInput_ReadsTheGraphsRealInputs()
    {
        using OnnxCausalLM model = OnnxCausalLM.Load(SharedModels.Path(SharedModels.LlamaGqa));

        // genai_config.json names position_ids; the graph has none.
        Assert.Null(model.Layout.PositionIds);
        Assert.True(model.UsesSharedKvBuffer);
        Assert.True(model.Info.SupportsVerification);
        Assert.Equal(32000, model.Info.VocabularySize);
        Assert.Equal(2048, model.Info.ContextLength);

        // The configuration's ids win over the tokenizer's (config eos 1; tokenizer </s> = 2).
        Assert.Equal([1], model.Info.EndOfSequenceTokenIds);
        Assert.Equal(0, model.Info.BeginningOfSequenceTokenId);
    }

    [Fact]
    public void Load_LegacyGpt2Export_ReadsPackedCacheAndInt32Inputs()
    {
        using OnnxCausalLM model = OnnxCausalLM.Load(SharedModels.Path(SharedModels.Gpt2Legacy));

        Assert.Equal(KvFormat.Packed, model.Layout.KvFormat);
        Assert.Equal(TensorElementType.Int32, model.Layout.IdsType);
        Assert.Equal(TensorElementType.Int32, model.Layout.MaskType);
        Assert.Equal(TensorElementType.Int32, model.Layout.PositionType);
        Assert.Equal((5, 4, 8), (model.Layout.Layers, model.Layout.KvHeads, model.Layout.HeadSize));
        Assert.Equal(1000, model.Info.VocabularySize);
        Assert.True(model.Info.SupportsVerification);
        Assert.False(model.UsesSharedKvBuffer);
    }

    [Fact]
    public void Load_Fp16ExportThatCannotScoreAfterACache_LoadsAsADraftOnly()
    {
        using OnnxCausalLM model = OnnxCausalLM.Load(SharedModels.Path(SharedModels.LlamaMhaFp16));

        Assert.Equal(TensorElementType.Float16, model.Layout.LogitsType);
        Assert.Equal(TensorElementType.Float16, model.Layout.KvType);
        Assert.False(model.Info.SupportsVerification);
        Assert.Contains("cannot score several new tokens", model.Info.VerificationUnsupportedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AnOnnxFilePath_WorksLikeItsFolder()
    {
        using OnnxCausalLM model = OnnxCausalLM.Load(Path.Combine(TestModels.GqaTarget, "model.onnx"));
        Assert.True(model.UsesSharedKvBuffer);
        Assert.Equal(96, model.Info.VocabularySize);
    }

    [Fact]
    public void Load_PlainExportWithoutConfig_FollowsTheNamingConventionAndGraphShapes()
    {
        string folder = TestModels.Scratch("plain");
        foreach (string file in new[] { "model.onnx", "model.onnx.data" })
        {
            File.Copy(Path.Combine(TestModels.StandardTarget, file), Path.Combine(folder, file));
        }

        using OnnxCausalLM model = OnnxCausalLM.Load(folder);
        Assert.Equal(2, model.Layout.Layers);
        Assert.Equal(2, model.Layout.KvHeads);
        Assert.Equal(96, model.Info.VocabularySize);
        Assert.Empty(model.Info.EndOfSequenceTokenIds);
        Assert.Equal(OnnxModelOptions.Default.DefaultContextLength, model.Info.ContextLength);
    }

    [Fact]
    public void Load_PlainExportWithHuggingFaceConfig_TakesStopTokensAndContextFromIt()
    {
        string folder = TestModels.Scratch("hf");
        foreach (string file in new[] { "model.onnx", "model.onnx.data" })
        {
            File.Copy(Path.Combine(TestModels.StandardTarget, file), Path.Combine(folder, file));
        }

        File.WriteAllText(Path.Combine(folder, "config.json"), """{ "vocab_size": 96, "max_position_embeddings": 300, "eos_token_id": [5, 6], "bos_token_id": 1 }""");
        using OnnxCausalLM model = OnnxCausalLM.Load(folder);
        Assert.Equal([5, 6], model.Info.EndOfSequenceTokenIds);
        Assert.Equal(300, model.Info.ContextLength);
    }

    [Fact]
    public void Load_ConfigAskingForAProviderThisMachineLacks_StillLoadsOnCpu()
    {
        string folder = TestModels.Scratch("cuda-config");
        foreach (string file in Directory.GetFiles(TestModels.GqaTarget))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        string config = Path.Combine(folder, "genai_config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"provider_options\": []", "\"provider_options\": [ { \"cuda\": { \"enable_cuda_graph\": \"0\" } }, { \"dml\": {} } ]", StringComparison.Ordinal));
        Assert.Contains("cuda", File.ReadAllText(config), StringComparison.Ordinal);

        using OnnxCausalLM model = OnnxCausalLM.Load(folder);
        Assert.True(model.Info.SupportsVerification);
    }

    [Fact]
    public async Task DraftAndTarget_MayBeLoadedWithDifferentOptions()
    {
        using OnnxCausalLM target = OnnxCausalLM.Load(TestModels.GqaTarget, new OnnxModelOptions { Threading = OnnxThreading.PerSession, IntraOpThreads = 2 });
        using OnnxCausalLM draft = OnnxCausalLM.Load(TestModels.StandardTarget, new OnnxModelOptions { IntraOpThreads = 1, MaxTokensPerPass = 70 });
        var options = new GenerationOptions { MaxNewTokens = 20, IgnoreEndOfSequence = true };
        GenerationResult speculative = await new SpeculativeGenerator(target, draft).GenerateToListAsync(new[] { 1, 2, 3 }, options);
        GenerationResult alone = await new SpeculativeGenerator(target).GenerateToListAsync(new[] { 1, 2, 3 }, options);
        Assert.Equal(alone.Ids, speculative.Ids);
        Assert.True(speculative.Stats.AcceptedTokens > 0);
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda, "CUDA", "Microsoft.ML.OnnxRuntime.Gpu")]
    [InlineData(ExecutionProvider.DirectML, "DirectML", "Microsoft.ML.OnnxRuntime.DirectML")]
    public void Load_WithAProviderMissingFromThisBuild_ThrowsNamingTheProviderAndPackage(ExecutionProvider provider, string name, string package)
    {
        var ex = Assert.Throws<ModelNotSupportedException>(() => OnnxCausalLM.Load(TestModels.GqaTarget, new OnnxModelOptions { ExecutionProvider = provider }));
        Assert.Contains(TestModels.GqaTarget, ex.Message, StringComparison.Ordinal);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Contains(package, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LastPositionLogitsModel_CanDraftButNotVerify()
    {
        string folder = TestModels.Folder("last-only", TestModels.Target with { LastPositionLogitsOnly = true });
        using OnnxCausalLM model = OnnxCausalLM.Load(folder);
        Assert.False(model.Info.SupportsVerification);
        Assert.Contains("last position only", model.Info.VerificationUnsupportedReason, StringComparison.Ordinal);
    }
}

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task OneLoadedModelPair_ServesConcurrentGenerations_EachExact()
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.GqaTarget);
        OnnxCausalLM draft = LoadedModels.Get(TestModels.Perturbed("concurrent-draft", TestModels.GqaTarget, 0.05f));
        var options = new GenerationOptions { MaxNewTokens = 48, IgnoreEndOfSequence = true };
        int[][] prompts = Prompts.For(96, count: 8, seed: 99);
        int[][] expected = [.. prompts.Select(p => new SpeculativeGenerator(target).GenerateToListAsync(p, options).GetAwaiter().GetResult().Ids)];

        var generators = new[] { new SpeculativeGenerator(target, draft), new SpeculativeGenerator(target, new NGramDraftModel()), new SpeculativeGenerator(target) };
        Task<GenerationResult>[] runs = [.. Enumerable.Range(0, 24).Select(i => Task.Run(() => generators[i % 3].GenerateToListAsync(prompts[i % 8], options)))];
        GenerationResult[] results = await Task.WhenAll(runs);

        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal(expected[i % 8], results[i].Ids);
        }
    }

    [Fact]
    public void Load_WithoutAThreadCount_ChoosesThreadsFromTheWeights()
    {
        using OnnxCausalLM unset = OnnxCausalLM.Load(TestModels.GqaTarget, new OnnxModelOptions { Threading = OnnxThreading.PerSession });

        Assert.Equal(Environment.ProcessorCount, OnnxModelOptions.DefaultIntraOpThreads);
        Assert.Equal(IntraOpThreadsSource.Automatic, unset.IntraOpThreadsSource);
        Assert.InRange(unset.WeightBytes, 1, 4 << 20); // the tiny test target: well under one thread's share
        Assert.Equal(1, unset.IntraOpThreads);
    }

    [Theory]
    [InlineData(OnnxThreading.PerSession)]
    [InlineData(OnnxThreading.SharedPool)]
    public void Load_ExplicitThreadCount_OverridesTheAutomaticChoice(OnnxThreading threading)
    {
        using OnnxCausalLM two = OnnxCausalLM.Load(TestModels.GqaTarget, new OnnxModelOptions { Threading = threading, IntraOpThreads = 2 });

        Assert.Equal(IntraOpThreadsSource.Options, two.IntraOpThreadsSource);
        if (threading == OnnxThreading.PerSession)
        {
            Assert.Equal(2, two.IntraOpThreads); // the automatic choice for this model is 1
        }
    }
}
