using FastDraft.ModelWriter;
using FastDraft.ModelWriter.Protobuf;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;
using FastDraft.Training.Graph;
using static FastDraft.Tests.Training.TrainingGraphHarness;

namespace FastDraft.Tests.Training;

/// <summary>
/// The hand-written backward pass against central finite differences of the same graph's loss, in float64: every
/// parameter tensor, a few random entries and its largest-gradient entry each.
/// </summary>
public sealed class GradientCheckTests
{
    private const double Tolerance = 1e-5;
    private const double Step = 1e-5;

    // Below this magnitude the finite difference's rounding noise (≈1e-10) dominates; errors are then measured against it.
    private const double Floor = 1e-4;

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 3)]
    [InlineData(true, 3)]
    public void EveryParameterGradient_MatchesFiniteDifferences(bool tied, int softTopK)
    {
        DecoderSpec spec = Tiny with { TiedEmbeddings = tied };
        (double worst, string where) = WorstRelativeError(spec, softTopK, hook: null);
        Assert.True(worst <= Tolerance, $"worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithAWrongSoftmaxBackwardRule()
    {
        // The classic mistake: dS = P ⊙ dP, forgetting the −P·Σ(P ⊙ dP) term.
        static string WrongSoftmax(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "softmax" ? graph.Node("Mul", [operands[0], operands[1]]) : gradient;

        (double worst, string where) = WorstRelativeError(Tiny, softTopK: 0, hook: WrongSoftmax);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithAWrongRmsNormBackwardRule()
    {
        // Treating the normalizer r as a constant: dx = r ⊙ dx̂.
        static string WrongNorm(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "rmsnorm" ? graph.Node("Mul", [operands[1], operands[2]]) : gradient;

        (double worst, _) = WorstRelativeError(Tiny with { TiedEmbeddings = true }, softTopK: 3, hook: WrongNorm);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2}");
    }

    /// <summary>The default draft's grouping: 4 query heads share 1 key/value head (GQA with G = 4).</summary>
    private static readonly DecoderSpec DraftGrouping = Tiny with { Heads = 4, KeyValueHeads = 1 };

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 3)]
    public void EveryParameterGradient_DefaultDraftGrouping_MatchesFiniteDifferences(bool tied, int softTopK)
    {
        (double worst, string where) = WorstRelativeError(DraftGrouping with { TiedEmbeddings = tied }, softTopK, hook: null);
        Assert.True(worst <= Tolerance, $"worst relative error {worst:E2} at {where}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmbeddingGradient_RepeatedIds_MatchesFiniteDifferencesOnEveryEntryOfTheirRows(bool tied)
    {
        // Ids 3 and 5 fill the batch: each of their rows sums the gradients of several positions (the scatter-add).
        (double worst, string where) = WorstRelativeError(Tiny with { TiedEmbeddings = tied }, softTopK: 0, hook: null, RepeatedIdsBatch(), RepeatedRows);
        Assert.True(worst <= Tolerance, $"worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithAnEmbeddingScatterThatOverwritesInsteadOfAdding()
    {
        // ScatterND without reduction: a repeated id keeps one position's row gradient instead of their sum.
        static string Overwrite(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "embedding" ? graph.Node("ScatterND", [operands[0], operands[1], operands[2]]) : gradient;

        (double worst, string where) = WorstRelativeError(Tiny, softTopK: 0, hook: Overwrite, RepeatedIdsBatch(), RepeatedRows);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithAWrongRotaryBackwardRule()
    {
        // Rotating the gradient forwards (R) instead of by the transpose (Rᵀ = −R): dx = dy ⊙ cos − Rᵀ(dy ⊙ sin).
        static string WrongRotary(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "rotary" ? graph.Node("Sub", [operands[1], operands[2]]) : gradient;

        (double worst, string where) = WorstRelativeError(DraftGrouping, softTopK: 0, hook: WrongRotary);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithAWrongSiluBackwardRule()
    {
        // Treating σ(a) as a constant: d silu/da = σ(a), missing a·σ(a)(1 − σ(a)).
        static string WrongSilu(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "silu" ? graph.Node("Mul", [operands[2], operands[1]]) : gradient;

        (double worst, string where) = WorstRelativeError(DraftGrouping, softTopK: 0, hook: WrongSilu);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithAGqaBackwardRuleThatDoesNotSumOverTheGroup()
    {
        // Each key/value head takes the gradient of the first query head of its group only, not the sum over all G.
        int slices = 0;
        string FirstQueryHeadOnly(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands)
        {
            if (rule != "gqa")
            {
                return gradient;
            }

            string Slice(string x, long axis) => graph.Node("Slice", [
                x, graph.Vector($"gqa_fault_start_{slices}", 0), graph.Vector($"gqa_fault_end_{slices}", Sequence), graph.Vector($"gqa_fault_axis_{slices++}", axis)]);
            return graph.Node("MatMul", [Slice(operands[0], 3), Slice(operands[1], 2)]);
        }

        (double worst, string where) = WorstRelativeError(DraftGrouping, softTopK: 0, hook: FirstQueryHeadOnly);
        Assert.True(slices > 0, "the gqa rule was never offered to the hook");
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    [Theory]
    [InlineData(false, 0, 3)]
    [InlineData(true, 0, 3)]
    [InlineData(false, 3, 4)]
    [InlineData(true, 3, 3)]
    [InlineData(true, 3, 1)]
    public void EveryParameterGradient_ChunkedLoss_MatchesFiniteDifferences(bool tied, int softTopK, int chunkTokens)
    {
        // 10 tokens a step in chunks of 3 (3, 3, 3, 1), 4 (4, 4, 2) or 1: the last chunk is short except with 1.
        (double worst, string where) = WorstRelativeError(Tiny with { TiedEmbeddings = tied }, softTopK, hook: null, chunkTokens: chunkTokens);
        Assert.True(worst <= Tolerance, $"worst relative error {worst:E2} at {where}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GradientCheck_Fails_WithAChunkedHeadGradientThatKeepsOnlyTheLastChunk(bool tied)
    {
        // The head's gradient overwritten by each chunk's product instead of accumulated over the chunks.
        static string Overwrite(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "head" ? graph.Node("Gemm", [operands[1], operands[2]], OnnxAttribute.Of("transA", 1L)) : gradient;

        (double worst, string where) = WorstRelativeError(Tiny with { TiedEmbeddings = tied }, softTopK: 3, hook: Overwrite, chunkTokens: 4);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithAChunkedLossGradientMissingItsOneHotTerms()
    {
        // d(loss)/dz taken as the scaled softmax alone, without the target's and the teacher's one-hot pulls.
        static string NoPulls(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "loss" ? operands[0] : gradient;

        (double worst, string where) = WorstRelativeError(Tiny, softTopK: 3, hook: NoPulls, chunkTokens: 4);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    /// <summary>12 of <see cref="Tiny"/>'s 23 ids: about half the batch's targets and teacher ids fall outside them.</summary>
    internal static readonly int[] KeptIds = [0, 1, 2, 4, 5, 8, 10, 13, 14, 17, 19, 22];

    [Theory]
    [InlineData(false, 0, null)]
    [InlineData(true, 0, null)]
    [InlineData(false, 3, 4)]
    [InlineData(true, 3, 3)]
    [InlineData(true, 3, null)]
    public void EveryParameterGradient_TrimmedHead_MatchesFiniteDifferences(bool tied, int softTopK, int? chunkTokens)
    {
        // Hard and soft targets outside the kept set: positions left out of the loss, teacher entries dropped and the rest rescaled.
        TrainingBatch batch = MakeBatch(Tiny.VocabularySize, softTopK, seed: 11);
        Assert.Contains(batch.TargetIds, id => !KeptIds.Contains((int)id));
        (double worst, string where) = WorstRelativeError(Tiny with { TiedEmbeddings = tied, HeadTokenIds = KeptIds }, softTopK, hook: null, batch, chunkTokens: chunkTokens);
        Assert.True(worst <= Tolerance, $"worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithATrimmedTiedHeadGradientScatteredToTheColumnsIdsInsteadOfTheKeptIds()
    {
        // The kept rows' gradient written to embedding rows 0..M−1 (the head's column numbers) instead of the kept ids' rows.
        static string ColumnRows(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "trimmed-head"
                ? graph.Node("ScatterND", [operands[0], graph.Int64s("fault_rows", [KeptIds.Length, 1], [.. Enumerable.Range(0, KeptIds.Length).Select(i => (long)i)]), operands[2]])
                : gradient;

        (double worst, string where) = WorstRelativeError(Tiny with { TiedEmbeddings = true, HeadTokenIds = KeptIds }, softTopK: 3, hook: ColumnRows, chunkTokens: 4);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    [Fact]
    public void GradientCheck_Fails_WithATrimmedHeadLossGradientMissingItsOneHotTerms()
    {
        static string NoPulls(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands) =>
            rule == "loss" ? operands[0] : gradient;

        (double worst, string where) = WorstRelativeError(Tiny with { HeadTokenIds = KeptIds }, softTopK: 3, hook: NoPulls, chunkTokens: 3);
        Assert.True(worst > 1e-2, $"the wrong rule went unnoticed: worst relative error {worst:E2} at {where}");
    }

    /// <summary>Inputs and targets drawn from ids 3 and 5 only, every position counted.</summary>
    private static TrainingBatch RepeatedIdsBatch()
    {
        TrainingBatch batch = MakeBatch(Tiny.VocabularySize, softTopK: 0, seed: 11);
        for (int i = 0; i < Batch * Sequence; i++)
        {
            batch.InputIds[i] = i % 3 == 1 ? 5 : 3;
            batch.TargetIds[i] = i % 2 == 0 ? 5 : 3;
            batch.LossMask[i] = 1f;
        }

        return batch;
    }

    /// <summary>Every entry of the repeated ids' embedding rows; the usual sample elsewhere.</summary>
    private static IEnumerable<int>? RepeatedRows(ParameterTensor tensor) => tensor.Name == DecoderParameters.Embedding
        ? [.. Enumerable.Range(3 * Tiny.HiddenSize, Tiny.HiddenSize), .. Enumerable.Range(5 * Tiny.HiddenSize, Tiny.HiddenSize)]
        : null;

    private static (double Worst, string Where) WorstRelativeError(
        DecoderSpec spec, int softTopK, BackwardRuleHook? hook, TrainingBatch? fixedBatch = null, Func<ParameterTensor, IEnumerable<int>?>? entries = null, int? chunkTokens = null)
    {
        var options = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, SoftTopK = softTopK, DoublePrecision = true, BackwardHook = hook, LossChunkTokens = chunkTokens };
        using var runner = new GraphRunner(spec, options, TestModels.Scratch("gradcheck"));
        double[] parameters = Parameters(runner.Layout, seed: 7);
        TrainingBatch batch = fixedBatch ?? MakeBatch(spec.VocabularySize, softTopK, seed: 11);
        (double loss, _, double kl, double[] gradient, _) = runner.Run(parameters, batch);
        Assert.True(double.IsFinite(loss));
        Assert.Equal(softTopK > 0, kl != 0);

        var random = new Random(3);
        double worst = 0;
        string where = string.Empty;
        foreach (ParameterTensor tensor in runner.Layout.Tensors)
        {
            int count = (int)tensor.Count;
            int largest = Enumerable.Range(0, count).MaxBy(i => Math.Abs(gradient[tensor.Offset + i]));
            Assert.True(Math.Abs(gradient[tensor.Offset + largest]) > Floor, $"{tensor.Name}: no gradient to check");
            foreach (int entry in entries?.Invoke(tensor) ?? [largest, random.Next(count), random.Next(count), random.Next(count)])
            {
                long index = tensor.Offset + entry;
                double original = parameters[index];
                parameters[index] = original + Step;
                double plus = runner.Run(parameters, batch).Loss;
                parameters[index] = original - Step;
                double minus = runner.Run(parameters, batch).Loss;
                parameters[index] = original;
                double numeric = (plus - minus) / (2 * Step);
                double analytic = gradient[index];
                double error = Math.Abs(numeric - analytic) / Math.Max(Floor, Math.Max(Math.Abs(numeric), Math.Abs(analytic)));
                if (error > worst)
                {
                    worst = error;
                    where = $"{tensor.Name}[{entry}]: analytic {analytic:E6}, numeric {numeric:E6}";
                }
            }
        }

        return (worst, where);
    }
}
