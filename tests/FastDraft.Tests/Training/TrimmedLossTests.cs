using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;
using FastDraft.Training.Graph;
using static FastDraft.Tests.Training.TrainingGraphHarness;

namespace FastDraft.Tests.Training;

/// <summary>
/// What a trimmed head's loss is (<see cref="HeadVocabulary"/>): cross-entropy and KL over the kept columns, positions
/// whose target is outside the kept set left out of the mean, and the teacher's kept entries rescaled to its whole mass.
/// Checked against a float64 reference computed from the graph's own [B, T, M] logits and the unmapped batch.
/// </summary>
public sealed class TrimmedLossTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loss_IsOverTheKeptSet_WithOutsideTargetsLeftOutAndTheTeacherRescaled(bool tied)
    {
        int[] kept = GradientCheckTests.KeptIds;
        const int k = 3;
        DecoderSpec spec = Tiny with { TiedEmbeddings = tied, HeadTokenIds = kept };
        var options = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, SoftTopK = k, DoublePrecision = true, OutputLogits = true, LossChunkTokens = 4 };
        using var runner = new GraphRunner(spec, options, TestModels.Scratch("trimmed-loss"));
        TrainingBatch batch = MakeBatch(Tiny.VocabularySize, k, seed: 11);
        (double loss, double crossEntropy, double kl, _, double[] logits) = runner.Run(Parameters(runner.Layout, seed: 7), batch);
        int m = kept.Length;
        Assert.Equal(Batch * Sequence * m, logits.Length);

        double ceSum = 0;
        double klSum = 0;
        int counted = 0;
        int leftOut = 0;
        int dropped = 0;
        for (int n = 0; n < Batch * Sequence; n++)
        {
            int column = Array.IndexOf(kept, (int)batch.TargetIds[n]);
            if (batch.LossMask[n] == 0 || column < 0)
            {
                leftOut += batch.LossMask[n] == 0 ? 0 : 1;
                continue;
            }

            double[] z = logits[(n * m)..((n + 1) * m)];
            double max = z.Max();
            double logSum = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
            counted++;
            ceSum -= z[column] - logSum;
            double all = 0;
            double keptMass = 0;
            for (int e = n * k; e < (n + 1) * k; e++)
            {
                double p = batch.SoftProbabilities[e];
                all += p;
                bool isKept = kept.Contains((int)batch.SoftIds[e]);
                keptMass += isKept ? p : 0;
                dropped += isKept ? 0 : 1;
            }

            for (int e = n * k; e < (n + 1) * k; e++)
            {
                int c = Array.IndexOf(kept, (int)batch.SoftIds[e]);
                if (c >= 0)
                {
                    double p = batch.SoftProbabilities[e] * all / keptMass;
                    klSum += p * (Math.Log(p) - (z[c] - logSum));
                }
            }
        }

        Assert.True(leftOut > 0 && dropped > 0 && counted > 0, $"the batch must exercise both cases: {leftOut} targets left out, {dropped} teacher entries dropped");
        Assert.Equal(ceSum / counted, crossEntropy, 1e-9);
        Assert.Equal(klSum / counted, kl, 1e-6); // the rescaled probabilities are float32, as the batch's are
        Assert.Equal(crossEntropy + (KlWeight * kl), loss, 1e-9);
    }
}
