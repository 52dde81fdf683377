using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;
using FastDraft.Training.Graph;
using static FastDraft.Tests.Training.TrainingGraphHarness;

namespace FastDraft.Tests.Training;

/// <summary>The head and loss computed in chunks of tokens: the same loss, logits and gradients as in one piece.</summary>
public sealed class ChunkedLossTests
{
    [Theory]
    [InlineData(false, 0, 3)]
    [InlineData(true, 0, 4)]
    [InlineData(false, 3, 1)]
    [InlineData(true, 3, 3)]
    public void ChunkedLoss_MatchesTheWholeLoss_WithinFloat32Rounding(bool tied, int softTopK, int chunkTokens)
    {
        DecoderSpec spec = Tiny with { TiedEmbeddings = tied };
        var whole = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, SoftTopK = softTopK, OutputLogits = true, LossChunkTokens = Batch * Sequence };
        using var one = new GraphRunner(spec, whole, TestModels.Scratch("chunk-whole"));
        using var chunked = new GraphRunner(spec, whole with { LossChunkTokens = chunkTokens }, TestModels.Scratch("chunk-parts"));
        double[] parameters = Parameters(one.Layout, seed: 5);
        TrainingBatch batch = MakeBatch(spec.VocabularySize, softTopK, seed: 8);

        (double loss, double ce, double kl, double[] gradient, double[] logits) = one.Run(parameters, batch);
        (double loss2, double ce2, double kl2, double[] gradient2, double[] logits2) = chunked.Run(parameters, batch);

        Assert.True(Math.Abs(loss - loss2) <= 1e-6 * Math.Abs(loss), $"loss {loss2} vs {loss}");
        Assert.True(Math.Abs(ce - ce2) <= 1e-6 * Math.Abs(ce), $"cross-entropy {ce2} vs {ce}");
        Assert.True(Math.Abs(kl - kl2) <= 1e-6 * Math.Max(Math.Abs(kl), 1e-3), $"KL {kl2} vs {kl}");
        Assert.Equal(logits.Length, logits2.Length);
        Assert.Equal(Batch * Sequence * spec.VocabularySize, logits2.Length);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(Math.Abs(logits[i] - logits2[i]) <= 1e-6 * Math.Max(1, Math.Abs(logits[i])), $"logit {i}: {logits2[i]} vs {logits[i]}");
        }

        foreach (ParameterTensor tensor in one.Layout.Tensors)
        {
            double scale = Enumerable.Range((int)tensor.Offset, (int)tensor.Count).Max(i => Math.Abs(gradient[i]));
            double worst = Enumerable.Range((int)tensor.Offset, (int)tensor.Count).Max(i => Math.Abs(gradient[i] - gradient2[i]));
            Assert.True(scale > 0, $"{tensor.Name}: no gradient to compare");
            Assert.True(worst <= 1e-5 * scale, $"{tensor.Name}: max |Δ| {worst:E2} against max |g| {scale:E2}");
        }
    }

    [Theory]
    [InlineData(4096, 32_000, false, 524)]
    [InlineData(4096, 128_256, false, 130)]
    [InlineData(4096, 128_256, true, 65)]
    [InlineData(4096, 8_000_000, false, 16)]
    [InlineData(10, 23, false, 10)]
    public void ChunkTokens_ByDefault_FitsA64MiBTensorWithinTheStepsTokens(int tokens, int vocabulary, bool doublePrecision, int expected)
    {
        var options = new TrainingGraphOptions { DoublePrecision = doublePrecision };
        Assert.Equal(expected, options.ChunkTokens(tokens, vocabulary));
        Assert.True((long)Math.Min(expected, 16 * 1024) * vocabulary * (doublePrecision ? 8 : 4) <= TrainingGraphOptions.DefaultLossChunkBytes || expected == 16);
    }

    [Fact]
    public void ChunkTokens_WhenSet_IsUsedUpToTheStepsTokens_AndMustBePositive()
    {
        Assert.Equal(3, new TrainingGraphOptions { LossChunkTokens = 3 }.ChunkTokens(10, 128_256));
        Assert.Equal(10, new TrainingGraphOptions { LossChunkTokens = 64 }.ChunkTokens(10, 23));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingGraphOptions { LossChunkTokens = 0 }.Validate());
    }
}
