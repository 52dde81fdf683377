using FastDraft.OnnxRuntime;
using FastDraft.OnnxRuntime.Internals;
using FastDraft.OnnxRuntime.Internals.Graph;

namespace FastDraft.Tests.Onnx;

/// <summary>The automatic intra-op thread count: one thread per 6 MiB of weights, at least one, at most the processors.</summary>
public sealed class IntraOpThreadRuleTests
{
    private const long MB = 1_000_000;

    [Theory]
    [InlineData(0L, 2, 1)]
    [InlineData(1_608_724L, 2, 1)] // the demo draft (0.39M parameters)
    [InlineData(1_670_000L, 16, 1)] // the codepair draft, on a large machine too
    [InlineData(12 * MB, 2, 1)] // just under two threads' share
    [InlineData(13 * MB, 2, 2)]
    [InlineData(17_250_324L, 2, 2)] // the demo target (4.3M parameters)
    [InlineData(30 * MB, 16, 4)] // a 7.5M target does not take every core of sixteen
    [InlineData(499 * MB, 2, 2)] // the runner's 124M target, capped at the processors
    [InlineData(499 * MB, 16, 16)]
    [InlineData(499 * MB, 0, 1)]
    public void Choose_BySize_GivesOneThreadPerShareUpToTheProcessors(long weightBytes, int processors, int expected) =>
        Assert.Equal(expected, IntraOpThreadRule.Choose(weightBytes, processors));

    [Fact]
    public void Choose_UnknownSize_UsesEveryProcessor() =>
        Assert.Equal(8, IntraOpThreadRule.Choose(-1, 8));

    [Theory]
    [InlineData(1, 32)]
    [InlineData(21, 4)]
    [InlineData(10, 16)]
    [InlineData(7, 64)]
    [InlineData(8, 0)]
    public void BitsPerElement_OnnxDataTypes(int dataType, int bits) =>
        Assert.Equal(bits, WeightCounter.BitsPerElement(dataType));

    [Theory]
    [InlineData("target")]
    [InlineData("draft")]
    public void WeightBytes_DemoModels_CountTheExternalDataWithoutReadingIt(string model)
    {
        string folder = Path.Combine(Infrastructure.RepositoryRoot.Find(), "samples", "FastDraft.Demo", "models", model);
        long external = new FileInfo(Path.Combine(folder, "model.onnx.data")).Length;
        long graph = new FileInfo(Path.Combine(folder, "model.onnx")).Length;

        long counted = WeightCounter.Count(Path.Combine(folder, "model.onnx"));

        // Every byte of external data is a weight; the small initializers kept in the graph file add at most its size.
        Assert.InRange(counted, external, external + graph);
    }

    [Fact]
    public void WeightBytes_Int4Sibling_CountsPackedBytes()
    {
        using OnnxCausalLM fp32 = OnnxCausalLM.Load(Infrastructure.TestModels.GqaTarget, new OnnxModelOptions { Threading = OnnxThreading.PerSession });
        using OnnxCausalLM int4 = OnnxCausalLM.Load(Infrastructure.TestModels.Int4Target, new OnnxModelOptions { Threading = OnnxThreading.PerSession });

        Assert.True(int4.WeightBytes < fp32.WeightBytes * 3 / 4, $"int4 {int4.WeightBytes} B against float32 {fp32.WeightBytes} B");
    }
}
