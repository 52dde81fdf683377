using System.Text;

namespace FastDraft.Tests.Sampling;

/// <summary>
/// The one SplitMix64: sampling's seeding, the written models' weights and training's streams all draw from it, so its
/// values are pinned here against the reference implementation and the two stream hashes it replaced.
/// </summary>
public sealed class SplitMix64Tests
{
    [Fact]
    public void NextUInt64_StateZero_MatchesTheReferenceSequence()
    {
        var random = new SplitMix64(0);

        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, random.NextUInt64());
    }

    [Theory]
    [InlineData("alignment-order")]
    [InlineData("model.layers.0.self_attn.q_proj.weight")]
    public void StreamHash_AsciiName_EqualsFnv1aOverTheCharacters(string name)
    {
        // Training hashed UTF-16 code units, the model writer UTF-8 bytes: for ASCII names, all either ever used, the two agree.
        ulong hash = 14695981039346656037UL;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        Assert.Equal(hash, SplitMix64.StreamHash(name));
    }

    [Theory]
    [InlineData("gewicht-é")]
    [InlineData("層-🙂")]
    [InlineData("lone-\ud800")]
    public void StreamHash_NonAsciiName_IsFnv1aOverTheUtf8Bytes(string name)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        Assert.Equal(hash, SplitMix64.StreamHash(name));
    }

    [Fact]
    public void Mix_IsTheFinaliserOfSeedPlusIndexPlusOneGammas()
    {
        ulong seed = 1234, index = 41;
        ulong z = seed + ((index + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;

        Assert.Equal(z ^ (z >> 31), SplitMix64.Mix(seed, index));
    }
}
