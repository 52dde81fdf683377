using System.Numerics.Tensors;
using FastDraft.Evaluation;

namespace FastDraft.Training;

/// <summary>Held-out cross-entropy by context position: whether a model still predicts well late in its context.</summary>
internal static class PositionLoss
{
    /// <summary>
    /// Runs the model over up to <paramref name="windows"/> evenly spaced held-out windows as long as its context and
    /// returns the mean bits per token of the tokens predicted in each of <see cref="ContextPositionCounts.Buckets"/> equal ranges of positions
    /// (the buckets of α by context position).
    /// </summary>
    /// <param name="model">The model (it must return logits for every position).</param>
    /// <param name="heldOut">Held-out tokens.</param>
    /// <param name="windows">The most windows to run.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>Bits per token by bucket (NaN where nothing was measured).</returns>
    public static double[] BitsByPosition(ITargetModel model, TokenCorpus heldOut, int windows, CancellationToken cancellationToken)
    {
        int context = Math.Min(model.Info.ContextLength, heldOut.TokenCount);
        int available = heldOut.TokenCount / context;
        int count = Math.Min(windows, available);
        int width = ContextPositionCounts.BucketWidth(model.Info.ContextLength);
        var nats = new double[ContextPositionCounts.Buckets];
        var counted = new int[ContextPositionCounts.Buckets];
        int[] window = new int[context];
        float[] scratch = new float[model.Info.VocabularySize];
        for (int w = 0; w < count; w++)
        {
            heldOut.CopyTo((int)((long)w * available / count) * context, window);
            using IModelSession session = model.CreateSession(context);
            TeacherForcing.Run(
                session,
                window,
                0,
                (position, logits) =>
                {
                    // log softmax at the token that follows: the logits at p score position p + 1.
                    float max = TensorPrimitives.Max(logits);
                    TensorPrimitives.Subtract(logits, max, scratch);
                    TensorPrimitives.Exp(scratch, scratch);
                    double logSum = Math.Log(TensorPrimitives.Sum<float>(scratch)) + max;
                    int bucket = ContextPositionCounts.Bucket(position + 1, width);
                    nats[bucket] += logSum - logits[window[position + 1]];
                    counted[bucket]++;
                },
                cancellationToken);
        }

        return [.. nats.Select((n, b) => counted[b] == 0 ? double.NaN : n / counted[b] / Math.Log(2))];
    }
}
