namespace FastDraft.ModelWriter;

/// <summary>
/// A tensor's seeded values: the <see cref="SplitMix64"/> stream keyed by (seed, tensor name), so a tensor's values
/// depend only on the seed and its name (two models with the same seed share the weights of every tensor they have
/// in common). Uses only exact integer and IEEE arithmetic, so values are identical on every platform.
/// </summary>
internal struct SeededRandom(ulong seed, string stream)
{
    private static readonly double UniformToUnitStd = Math.Sqrt(3.0);
    private SplitMix64 _random = new(seed, stream);

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => _random.NextDouble();

    /// <summary>A zero-mean value with standard deviation <paramref name="std"/> (uniform, not Gaussian: no transcendental functions, so no platform differences).</summary>
    public float NextCentered(double std) => (float)(((2 * NextDouble()) - 1) * UniformToUnitStd * std);

    public void Fill(Span<float> values, double std)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = NextCentered(std);
        }
    }
}
