using System.Numerics.Tensors;

namespace FastDraft.Training;

/// <summary>The k most likely entries of a softmax.</summary>
internal static class TopK
{
    /// <summary>Writes the k largest probabilities of softmax(<paramref name="logits"/>) and their ids, most likely first.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, int k, Span<int> ids, Span<float> probabilities)
    {
        float max = TensorPrimitives.Max(logits);
        double sum = 0;
        foreach (float logit in logits)
        {
            sum += Math.Exp(logit - max);
        }

        ids[..k].Fill(-1);
        probabilities[..k].Fill(float.NegativeInfinity);
        for (int id = 0; id < logits.Length; id++)
        {
            float value = logits[id];
            if (value <= probabilities[k - 1])
            {
                continue;
            }

            int slot = k - 1;
            while (slot > 0 && probabilities[slot - 1] < value)
            {
                probabilities[slot] = probabilities[slot - 1];
                ids[slot] = ids[slot - 1];
                slot--;
            }

            probabilities[slot] = value;
            ids[slot] = id;
        }

        for (int j = 0; j < k; j++)
        {
            probabilities[j] = (float)(Math.Exp(probabilities[j] - max) / sum);
        }
    }
}
