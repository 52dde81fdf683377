using System.Text;

namespace FastDraft;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood): the one implementation of the generator behind every seeded stream in
/// FastDraft: the seeding of sampling's xoshiro256**, the written models' weights, and training's initialisation,
/// data order and splits. Its whole state is one <see cref="ulong"/>, so checkpoints save and restore it exactly;
/// only integer and IEEE arithmetic, so a seed gives the same sequence on every platform.
/// </summary>
/// <remarks>
/// Internal, and visible to FastDraft.ModelWriter and FastDraft.Training: a change here changes the weights those
/// write and the seeds they train with, which tests and committed models pin.
/// </remarks>
internal struct SplitMix64
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>Initializes a generator at a raw state (the next value mixes <paramref name="state"/> + the golden gamma).</summary>
    public SplitMix64(ulong state) => State = state;

    /// <summary>
    /// Initializes the stream <paramref name="stream"/> of <paramref name="seed"/>: streams of one seed are independent,
    /// so a tensor's values depend only on the seed and its name.
    /// </summary>
    public SplitMix64(ulong seed, string stream)
    {
        State = seed ^ StreamHash(stream);
        NextUInt64();
    }

    /// <summary>Gets or sets the generator's whole state.</summary>
    public ulong State { get; set; }

    /// <summary>Returns a well-spread value for (<paramref name="seed"/>, <paramref name="index"/>) without a generator: the index-th value of the raw stream at <paramref name="seed"/>.</summary>
    public static ulong Mix(ulong seed, ulong index) => new SplitMix64(seed + (index * Golden)).NextUInt64();

    /// <summary>FNV-1a over the name's UTF-8 bytes: stable across runs and platforms, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static ulong StreamHash(string stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ulong hash = 14695981039346656037UL;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (Rune rune in stream.EnumerateRunes())
        {
            foreach (byte b in utf8[..rune.EncodeToUtf8(utf8)])
            {
                hash = (hash ^ b) * 1099511628211UL;
            }
        }

        return hash;
    }

    public ulong NextUInt64()
    {
        ulong z = State += Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1) from the top 53 bits.</summary>
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
