using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Writer;

public sealed class ModelWriterTests
{
    private static int[] TargetOnly(OnnxCausalLM model, int[] prompt, int tokens, bool ignoreEos = true) =>
        new SpeculativeGenerator(model)
            .GenerateToListAsync(prompt, new GenerationOptions { MaxNewTokens = tokens, IgnoreEndOfSequence = ignoreEos })
            .GetAwaiter().GetResult().Ids;

    [Fact]
    public void BothAttentionFlavours_ComputeTheSameFunctionFromTheSameWeights()
    {
        OnnxCausalLM gqa = LoadedModels.Get(TestModels.GqaTarget);
        OnnxCausalLM standard = LoadedModels.Get(TestModels.StandardTarget);
        int[][] prompts = Prompts.For(96, count: 10, seed: 77);

        foreach (int[] prompt in prompts)
        {
            Assert.Equal(TargetOnly(gqa, prompt, 64), TargetOnly(standard, prompt, 64));
        }

        using IModelSession a = gqa.CreateSession(32);
        using IModelSession b = standard.CreateSession(32);
        a.Append(prompts[0]);
        b.Append(prompts[0]);
        for (int row = 0; row < prompts[0].Length; row++)
        {
            double worst = a.GetLogits(row).ToArray().Zip(b.GetLogits(row).ToArray(), (x, y) => Math.Abs(x - y)).Max();
            Assert.True(worst < 1e-4, $"row {row}: max |Δlogit| {worst:E2}");
        }
    }

    [Theory]
    [InlineData(AttentionKind.GroupQueryAttention)]
    [InlineData(AttentionKind.StandardOps)]
    public void OnnxRuntimeGenAI_LoadsTheWrittenFolder_AndDecodesTheSameTokens(AttentionKind attention)
    {
        string folder = attention == AttentionKind.GroupQueryAttention ? TestModels.GqaTarget : TestModels.StandardTarget;
        OnnxCausalLM ours = LoadedModels.Get(folder);
        foreach (int[] prompt in Prompts.For(96, count: 5, seed: 3, firstToken: 1))
        {
            int[] oracle = GenAIOracle.Greedy(folder, prompt, 40);
            Assert.Equal(oracle, TargetOnly(ours, prompt, 40, ignoreEos: false));
        }
    }

    [Theory]
    [InlineData(SharedModels.LlamaGqa)]
    [InlineData(SharedModels.LlamaMhaFp16)]
    [InlineData(SharedModels.Gpt2Legacy)]
    public void OnnxRuntimeGenAI_AgreesWithOurTargetOnlyGreedy_OnTheRealExports(string fixture)
    {
        string folder = SharedModels.Path(fixture);
        OnnxCausalLM ours = LoadedModels.Get(folder);
        foreach (int[] prompt in Prompts.For(ours.Info.VocabularySize, count: 3, seed: 11))
        {
            Assert.Equal(GenAIOracle.Greedy(folder, prompt, 24), TargetOnly(ours, prompt, 24, ignoreEos: false));
        }
    }

    [Theory]
    [InlineData(ModelPrecision.Fp32)]
    [InlineData(ModelPrecision.Fp16)]
    [InlineData(ModelPrecision.Int4)]
    public void Write_IsDeterministic_ByteForByte(ModelPrecision precision)
    {
        DecoderSpec spec = TestModels.Target with { Seed = 4242, Layers = 1, Precision = precision };
        string first = TestModels.Scratch("determinism-a");
        string second = TestModels.Scratch("determinism-b");
        LlamaModelWriter.Write(spec, first);
        LlamaModelWriter.Write(spec, second);
        foreach (string file in new[] { "model.onnx", "model.onnx.data", "genai_config.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(second, file)));
        }

        string other = TestModels.Scratch("determinism-c");
        LlamaModelWriter.Write(spec with { Seed = 4243 }, other);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, "model.onnx.data")), File.ReadAllBytes(Path.Combine(other, "model.onnx.data")));
    }

    [Fact]
    public void Perturbation_IsSeeded_AndScalesAgreement()
    {
        string source = TestModels.GqaTarget;
        string exact = TestModels.Perturbed("noise-0", source, 0f);
        string small = TestModels.Perturbed("noise-small-a", source, 0.05f, seed: 9);
        string smallAgain = TestModels.Perturbed("noise-small-b", source, 0.05f, seed: 9);
        string otherSeed = TestModels.Perturbed("noise-small-c", source, 0.05f, seed: 10);
        string large = TestModels.Perturbed("noise-large", source, 2f, seed: 9);

        byte[] Data(string folder) => File.ReadAllBytes(Path.Combine(folder, "model.onnx.data"));
        Assert.Equal(Data(source), Data(exact));
        Assert.Equal(Data(small), Data(smallAgain));
        Assert.NotEqual(Data(small), Data(otherSeed));
        Assert.NotEqual(Data(source), Data(small));

        double Agreement(string folder)
        {
            OnnxCausalLM target = LoadedModels.Get(source);
            GenerationResult[] runs = [.. Prompts.For(96, count: 6, seed: 21).Select(p =>
                new SpeculativeGenerator(target, LoadedModels.Get(folder), new SpeculativeOptions { DraftTokens = 4 })
                    .GenerateToListAsync(p, new GenerationOptions { MaxNewTokens = 48, IgnoreEndOfSequence = true }).GetAwaiter().GetResult())];
            return (double)runs.Sum(r => r.Stats.AcceptedTokens) / runs.Sum(r => r.Stats.DraftedTokens);
        }

        double exactRate = Agreement(exact);
        double smallRate = Agreement(small);
        double largeRate = Agreement(large);
        Assert.Equal(1.0, exactRate);
        Assert.True(smallRate > largeRate, $"agreement should fall as noise grows: small {smallRate:P0}, large {largeRate:P0}");
        Assert.InRange(largeRate, 0.0, 0.3);
    }

    [Fact]
    public void Spec_IsValidated()
    {
        string folder = TestModels.Scratch("invalid-spec");
        Assert.Throws<ArgumentException>(() => LlamaModelWriter.Write(TestModels.Target with { Heads = 3 }, folder));
        Assert.Throws<ArgumentException>(() => LlamaModelWriter.Write(TestModels.Target with { HiddenSize = 32 }, folder)); // GQA needs head size 16k
        Assert.Throws<ArgumentOutOfRangeException>(() => LlamaModelWriter.Write(TestModels.Target with { Layers = 0 }, folder));
        Assert.Throws<ArgumentException>(() => LlamaModelWriter.Write(TestModels.Target with { EndOfSequenceTokenId = 96 }, folder));
        Assert.Throws<DirectoryNotFoundException>(() => ModelPerturber.WritePerturbedCopy(Path.Combine(folder, "nope"), folder, 0.1f, 1));
    }

    [Fact]
    public void SameSeed_ShallowModelSharesTheDeepModelsTensors_SoAttenuatedDepthMakesAnAlignedDraft()
    {
        DecoderSpec deep = TestModels.Target with { Layers = 6, Seed = 31, AttenuatedLayersFrom = 2, AttenuationScale = 0.02f };
        OnnxCausalLM target = LoadedModels.Get(TestModels.Folder("deep", deep));
        OnnxCausalLM draft = LoadedModels.Get(TestModels.Folder("deep-draft", deep with { Layers = 2 }));
        OnnxCausalLM unaligned = LoadedModels.Get(TestModels.Folder("deep-draft-other-seed", deep with { Layers = 2, Seed = 32 }));

        double Rate(OnnxCausalLM d) => Prompts.For(96, count: 5, seed: 8)
            .Select(p => new SpeculativeGenerator(target, d).GenerateToListAsync(p, new GenerationOptions { MaxNewTokens = 48, IgnoreEndOfSequence = true }).GetAwaiter().GetResult().Stats)
            .Aggregate((accepted: 0, drafted: 0), (sum, s) => (sum.accepted + s.AcceptedTokens, sum.drafted + s.DraftedTokens), sum => (double)sum.accepted / sum.drafted);

        double aligned = Rate(draft);
        double other = Rate(unaligned);
        Assert.True(aligned > 0.6, $"aligned draft acceptance {aligned:P0}");
        Assert.True(other < 0.3, $"other-seed draft acceptance {other:P0}");
    }
}
