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

    private static (double Worst, string Where) WorstRelativeError(DecoderSpec spec, int softTopK, BackwardRuleHook? hook)
    {
        var options = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, SoftTopK = softTopK, DoublePrecision = true, BackwardHook = hook };
        using var runner = new GraphRunner(spec, options, TestModels.Scratch("gradcheck"));
        double[] parameters = Parameters(runner.Layout, seed: 7);
        TrainingBatch batch = MakeBatch(spec.VocabularySize, softTopK, seed: 11);
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
            foreach (int entry in new[] { largest, random.Next(count), random.Next(count), random.Next(count) })
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
