namespace FastDraft.Evaluation;

/// <summary>
/// How figures by context position are bucketed: the context divided into eight equal ranges. The one rule for
/// <c>eval</c>'s α by context position, the training recipe's teacher-forced α and its held-out loss by position,
/// so they can be read side by side.
/// </summary>
public static class ContextPositionCounts
{
    /// <summary>The number of buckets.</summary>
    public const int Buckets = 8;

    /// <summary>Returns the width of a bucket for a context length.</summary>
    /// <param name="contextLength">The target's context length.</param>
    /// <returns>The positions per bucket (at least 1).</returns>
    public static int BucketWidth(int contextLength) => Math.Max(1, (contextLength + Buckets - 1) / Buckets);

    /// <summary>Returns the bucket of a context position: positions past the last bucket's end (beyond the context) fall in the last.</summary>
    /// <param name="position">The position in the context (of the judged or predicted token).</param>
    /// <param name="bucketWidth">The width from <see cref="BucketWidth"/>.</param>
    /// <returns>The bucket, in [0, <see cref="Buckets"/>).</returns>
    public static int Bucket(int position, int bucketWidth) => Math.Min(position / bucketWidth, Buckets - 1);

    /// <summary>Returns the positions a bucket covers.</summary>
    /// <param name="bucket">The bucket, in [0, <see cref="Buckets"/>).</param>
    /// <param name="contextLength">The context length the buckets divide.</param>
    /// <returns>The first position and one past the last (capped at the context length).</returns>
    public static (int Start, int End) Range(int bucket, int contextLength)
    {
        int width = BucketWidth(contextLength);
        return (bucket * width, Math.Min(contextLength, (bucket + 1) * width));
    }

    /// <summary>Sums the per-sample counts and returns accepted ÷ judged per bucket (NaN where nothing was judged).</summary>
    /// <param name="samples">The samples of one mode.</param>
    /// <returns>The acceptance per bucket, and the judged proposals per bucket.</returns>
    public static (double[] Alpha, int[] Evaluated) Alpha(IEnumerable<GenerationSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        long[] accepted = new long[Buckets];
        int[] evaluated = new int[Buckets];
        foreach (GenerationSample sample in samples)
        {
            for (int b = 0; b < Math.Min(Buckets, sample.EvaluatedByContextPosition.Count); b++)
            {
                accepted[b] += sample.AcceptedByContextPosition[b];
                evaluated[b] += sample.EvaluatedByContextPosition[b];
            }
        }

        return ([.. accepted.Select((a, b) => evaluated[b] == 0 ? double.NaN : (double)a / evaluated[b])], evaluated);
    }
}
