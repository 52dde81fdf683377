namespace FastDraft.Training;

/// <summary>
/// A SplitMix64 generator whose whole state is one <see cref="ulong"/>, so checkpoints save and restore it
/// exactly. Only integer and IEEE arithmetic: the same sequence on every platform.
/// </summary>
internal struct SplitMix64
{
    public SplitMix64(ulong seed, string stream)
    {
        // FNV-1a over the stream name keeps streams of one seed independent.
        ulong hash = 14695981039346656037UL;
        foreach (char c in stream)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        State = seed ^ hash;
        NextUInt64();
    }

    /// <summary>Gets or sets the generator's whole state.</summary>
    public ulong State { get; set; }

    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>) (Lemire's multiply-shift; bias below 2⁻³²).</summary>
    public int NextInt(int maxExclusive) => (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);

    /// <summary>Shuffles in place (Fisher–Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
