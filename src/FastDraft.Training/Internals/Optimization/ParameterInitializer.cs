namespace FastDraft.Training;

/// <summary>
/// Seeded initial parameters: every tensor draws from its own SplitMix64 stream keyed by (seed, name), so
/// a tensor's values depend only on the seed and its name. Rank-1 tensors without weight decay (RMSNorm
/// gains) start at 1; everything else is centered uniform noise with the given standard deviation.
/// </summary>
internal static class ParameterInitializer
{
    public static void Initialize(ParameterLayout layout, Span<float> parameters, ulong seed, double standardDeviation)
    {
        double halfWidth = Math.Sqrt(3.0) * standardDeviation;
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            Span<float> values = parameters.Slice((int)tensor.Offset, (int)tensor.Count);
            if (tensor.Shape.Length == 1 && !tensor.WeightDecay)
            {
                values.Fill(1f);
                continue;
            }

            var random = new SplitMix64(seed, tensor.Name);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(((2 * random.NextDouble()) - 1) * halfWidth);
            }
        }
    }
}
