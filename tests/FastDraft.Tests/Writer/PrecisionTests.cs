using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Writer;

/// <summary>The writer's int4 (MatMulNBits) and float16 variants: what the graph holds, how close it computes to float32, and that ONNX Runtime GenAI decodes them as we do.</summary>
public sealed class PrecisionTests
{
    private static int[] TargetOnly(OnnxCausalLM model, int[] prompt, int tokens) =>
        new SpeculativeGenerator(model)
            .GenerateToListAsync(prompt, new GenerationOptions { MaxNewTokens = tokens })
            .GetAwaiter().GetResult().Ids;

    [Fact]
    public void Int4Graph_QuantizesEveryProjectionAndTheHead_WithMatMulNBitsOf4BitsInBlocksOf32()
    {
        List<GraphNode> nodes = WrittenGraph.Nodes(Path.Combine(TestModels.Int4Target, "model.onnx"));
        GraphNode[] quantized = [.. nodes.Where(n => n.OpType == "MatMulNBits")];

        Assert.Equal((7 * TestModels.Target.Layers) + 1, quantized.Length); // q, k, v, o, gate, up, down per layer; lm_head
        Assert.DoesNotContain(nodes, n => n.OpType == "MatMul");
        Assert.All(quantized, n =>
        {
            Assert.Equal("com.microsoft", n.Domain);
            Assert.Equal(4, n.IntAttributes["bits"]);
            Assert.Equal(32, n.IntAttributes["block_size"]);
            Assert.Equal(4, n.IntAttributes["accuracy_level"]);
            Assert.Equal(4, n.Inputs.Count); // A, B, scales, zero points
        });
        Assert.Contains(quantized, n => n.IntAttributes["K"] == TestModels.Target.IntermediateSize && n.IntAttributes["N"] == TestModels.Target.HiddenSize);
        Assert.Contains(quantized, n => n.IntAttributes["K"] == TestModels.Target.HiddenSize && n.IntAttributes["N"] == TestModels.Target.VocabularySize);
    }

    [Fact]
    public void Int4Graph_WithTiedEmbeddings_KeepsTheHeadInFloat()
    {
        DecoderSpec spec = TestModels.Target with { Precision = ModelPrecision.Int4, TiedEmbeddings = true, Layers = 1, Seed = 17 };
        List<GraphNode> nodes = WrittenGraph.Nodes(Path.Combine(TestModels.Folder("int4-tied", spec), "model.onnx"));

        Assert.Equal(7, nodes.Count(n => n.OpType == "MatMulNBits"));
        Assert.Single(nodes, n => n.OpType == "MatMul");
    }

    /// <summary>
    /// The quantization error, as the RMS of the logit differences relative to the RMS of the float32 logits: under 0.1%
    /// for float16 rounding (0.06% here); for int4 the weights' own error (uniform weights in 16 levels: ≈ 7% of their spread)
    /// compounded over the layers, plus the int8 activations of accuracy level 4 (12.7% here).
    /// </summary>
    [Theory]
    [InlineData(ModelPrecision.Int4, 0.2)]
    [InlineData(ModelPrecision.Fp16, 0.005)]
    public void Logits_AreCloseToTheFloat32Siblings(ModelPrecision precision, double bound)
    {
        OnnxCausalLM reference = LoadedModels.Get(TestModels.GqaTarget);
        OnnxCausalLM model = LoadedModels.Get(precision == ModelPrecision.Int4 ? TestModels.Int4Target : TestModels.Fp16Target);
        int[] prompt = Prompts.For(96, count: 1, seed: 12)[0];
        using IModelSession a = reference.CreateSession(prompt.Length);
        using IModelSession b = model.CreateSession(prompt.Length);
        a.Append(prompt);
        b.Append(prompt);

        double squaredError = 0, squared = 0, worst = 0;
        int sameArgMax = 0;
        for (int row = 0; row < prompt.Length; row++)
        {
            float[] x = a.GetLogits(row).ToArray();
            float[] y = b.GetLogits(row).ToArray();
            for (int i = 0; i < x.Length; i++)
            {
                squaredError += (x[i] - y[i]) * (double)(x[i] - y[i]);
                squared += x[i] * (double)x[i];
                worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
            }

            sameArgMax += Array.IndexOf(x, x.Max()) == Array.IndexOf(y, y.Max()) ? 1 : 0;
        }

        double relative = Math.Sqrt(squaredError / squared);
        TestContext.Current.TestOutputHelper?.WriteLine($"{precision}: RMS Δlogit / RMS logit {relative:P2}, max |Δlogit| {worst:F3}, same greedy choice on {sameArgMax}/{prompt.Length} rows");
        Assert.InRange(relative, 1e-6, bound); // quantized (not a float32 copy), and close
        Assert.True(sameArgMax >= prompt.Length * 0.75, $"greedy choice agrees on {sameArgMax}/{prompt.Length} rows");
    }

    [Fact]
    public void Int4PassOfSeveralTokens_GivesTheOneTokenPassesLogits_WithExactInt4()
    {
        // The verifier's premise: scoring several tokens in one pass gives what one-token passes give. At accuracy
        // level 4 ONNX Runtime 1.32 computes one-token passes with int8 activations and, for some layer shapes, passes of
        // several tokens in float32 (the 124M benchmark target: up to 0.023 apart at 5 tokens). ExactInt4 makes every
        // pass float32. The layer here is 768 wide with 24 heads of 32 and 2 key/value heads: int8 activations change
        // its logits measurably, so the second check shows that the option reached ONNX Runtime.
        string folder = TestModels.Folder(
            "target-int4-768",
            TestModels.Target with { HiddenSize = 768, IntermediateSize = 3072, Layers = 1, Heads = 24, KeyValueHeads = 2, Precision = ModelPrecision.Int4 });
        using OnnxCausalLM exact = OnnxCausalLM.Load(folder, OnnxModelOptions.Default with { ExactInt4 = true });
        using OnnxCausalLM fast = OnnxCausalLM.Load(folder, OnnxModelOptions.Default with { ExactInt4 = false });
        var random = new Random(5);
        int[] prompt = [.. Enumerable.Range(0, 12).Select(_ => random.Next(exact.Info.VocabularySize))];
        using IModelSession batched = exact.CreateSession(prompt.Length);
        using IModelSession stepped = exact.CreateSession(prompt.Length);
        using IModelSession steppedFast = fast.CreateSession(prompt.Length);
        batched.Append(prompt);
        double worst = 0, fromInt8 = 0;
        for (int i = 0; i < prompt.Length; i++)
        {
            stepped.Append(prompt.AsSpan(i, 1));
            steppedFast.Append(prompt.AsSpan(i, 1));
            ReadOnlySpan<float> one = stepped.GetLogits(0);
            ReadOnlySpan<float> oneFast = steppedFast.GetLogits(0);
            ReadOnlySpan<float> many = batched.GetLogits(i);
            for (int v = 0; v < one.Length; v++)
            {
                worst = Math.Max(worst, Math.Abs(one[v] - many[v]));
                fromInt8 = Math.Max(fromInt8, Math.Abs(one[v] - oneFast[v]));
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"ExactInt4: max |one-token − batched logit| {worst:G3}; one-token passes against int8 activations {fromInt8:G3}");
        Assert.InRange(worst, 0, 1e-4); // float32 accumulation order only
        Assert.True(fromInt8 > 1e-4, $"ExactInt4 should change how one-token passes are computed (max difference {fromInt8:G3})");
    }

    [Theory]
    [InlineData(ModelPrecision.Int4)]
    [InlineData(ModelPrecision.Fp16)]
    public void OnnxRuntimeGenAI_DecodesTheSameTokens(ModelPrecision precision)
    {
        string folder = precision == ModelPrecision.Int4 ? TestModels.Int4Target : TestModels.Fp16Target;

        // ONNX Runtime GenAI runs int4 as ONNX Runtime does by default: int8 activations in one-token passes.
        using OnnxCausalLM ours = OnnxCausalLM.Load(folder, OnnxModelOptions.Default with { ExactInt4 = false });
        foreach (int[] prompt in Prompts.For(96, count: 4, seed: 3, firstToken: 1))
        {
            Assert.Equal(GenAIOracle.Greedy(folder, prompt, 32), TargetOnly(ours, prompt, 32));
        }
    }

    [Fact]
    public void Fp16_NeedsGroupQueryAttention()
    {
        string folder = TestModels.Scratch("fp16-standard");
        Assert.Throws<ArgumentException>(() => LlamaModelWriter.Write(TestModels.Target with { Precision = ModelPrecision.Fp16, Attention = AttentionKind.StandardOps }, folder));
        Assert.Throws<ArgumentOutOfRangeException>(() => LlamaModelWriter.Write(TestModels.Target with { Precision = (ModelPrecision)7 }, folder));
    }
}
