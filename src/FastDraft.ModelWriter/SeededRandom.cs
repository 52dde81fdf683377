using System.Text;

namespace FastDraft.ModelWriter;

/// <summary>
/// SplitMix64 streams keyed by (seed, name): every tensor gets its own stream, so a tensor's
/// values depend only on the seed and its name (two models with the same seed share the weights
/// of every tensor they have in common). Uses only exact integer and IEEE arithmetic, so values
/// are identical on every platform.
/// </summary>
internal struct SeededRandom
{
    private static readonly double UniformToUnitStd = Math.Sqrt(3.0);
    private ulong _state;

    public SeededRandom(ulong seed, string stream)
    {
        // FNV-1a over the stream name: stable, unlike string.GetHashCode.
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(stream))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        _state = seed ^ hash;
        NextUInt64();
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

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
