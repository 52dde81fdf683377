using System.Numerics.Tensors;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class PositionLossTests
{
    [Fact]
    public void BitsByPosition_EqualsTheCrossEntropyOfOneFullPassPerWindow()
    {
        using var model = OnnxCausalLM.Load(TestModels.GqaTarget);
        int context = model.Info.ContextLength;
        var random = new Random(12);
        int[] tokens = [.. Enumerable.Range(0, (2 * context) + 7).Select(_ => random.Next(model.Info.VocabularySize))];
        TokenCorpus corpus = TokenCorpus.FromTokenizedFiles([("random.txt", tokens)], 0);
        int[] stream = new int[corpus.TokenCount];
        corpus.CopyTo(0, stream);

        double[] bits = PositionLoss.BitsByPosition(model, corpus, 2, CancellationToken.None);

        // Independently: each window appended in one pass, log-softmax in float64 at every position.
        double[] nats = new double[8];
        int[] counted = new int[8];
        for (int w = 0; w < 2; w++)
        {
            int[] window = stream[(w * context)..((w + 1) * context)];
            using IModelSession session = model.CreateSession(context);
            for (int start = 0; start < context; start += 64)
            {
                session.Append(window.AsSpan(start, 64));
                for (int j = 0; j < 64 && start + j + 1 < context; j++)
                {
                    float[] logits = session.GetLogits(j).ToArray();
                    double max = TensorPrimitives.Max<float>(logits);
                    double sum = logits.Sum(v => Math.Exp(v - max));
                    int position = start + j + 1;
                    nats[position / 64] += Math.Log(sum) + max - logits[window[position]];
                    counted[position / 64]++;
                }
            }
        }

        for (int b = 0; b < 8; b++)
        {
            Assert.Equal(nats[b] / counted[b] / Math.Log(2), bits[b], 4);
        }
    }
}
