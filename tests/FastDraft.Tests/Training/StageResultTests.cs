using System.Buffers.Binary;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

/// <summary>Finished-stage files are checksummed, atomic, tied to their run, and never hold (or hand on) NaN or infinity.</summary>
public sealed class StageResultTests
{
    private static readonly byte[] Run = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];

    private static string PathIn(string name) => Path.Combine(TestModels.Scratch("stage"), name);

    private static StageResult Sample() => new([0.5f, -1.25f, 3f, 1e-7f], 42, 2.5) { Fingerprint = Run };

    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        string path = PathIn("pretrain.params");

        Sample().Write(path);
        StageResult read = StageResult.TryRead(path, Run)!;

        Assert.Equal(Sample().Parameters, read.Parameters);
        Assert.Equal(42, read.Steps);
        Assert.Equal(2.5, read.HeldOutBitsPerToken);
        Assert.Equal(Run, read.Fingerprint);
        Assert.Single(Directory.EnumerateFiles(Path.GetDirectoryName(path)!)); // no temporary left behind
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Write_NonFiniteParameter_RefusedNamingTheFileAndWritesNothing(float bad)
    {
        string path = PathIn("align.params");
        StageResult result = Sample() with { Parameters = [1f, bad, 2f] };

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => result.Write(path));

        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("index 1", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void TryRead_NaNInAFileWithAValidChecksum_RefusedNamingTheFile()
    {
        string path = PathIn("align.params");
        Sample().Write(path);
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(bytes.Length - 4 - 8), float.NaN); // the third parameter
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32C.Append(0, bytes.AsSpan(0, bytes.Length - 4)));
        File.WriteAllBytes(path, bytes);

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => StageResult.TryRead(path, Run));

        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("non-finite", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_FlippedByte_RefusedAsDamaged()
    {
        string path = PathIn("pretrain.params");
        Sample().Write(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[60] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => StageResult.TryRead(path, Run));

        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_Truncated_Refused()
    {
        string path = PathIn("pretrain.params");
        Sample().Write(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^6]);

        Assert.Throws<InvalidDataException>(() => StageResult.TryRead(path, Run));
    }

    [Fact]
    public void TryRead_AnotherRunsFile_RefusedUnlessNoRunIsExpected()
    {
        string path = PathIn("pretrain.params");
        Sample().Write(path);
        byte[] other = new byte[16];
        other[0] = 9;

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => StageResult.TryRead(path, other));

        Assert.Contains("another run", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(StageResult.TryRead(path)); // train-model's --continue-from takes any run's file
    }

    [Fact]
    public void TryRead_FirstFormatWithoutChecksum_RefusedSayingSo()
    {
        string path = PathIn("pretrain.params");
        byte[] bytes = new byte[28 + 8];
        "FDST"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(20), 2);
        File.WriteAllBytes(path, bytes);

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => StageResult.TryRead(path, Run));

        Assert.Contains("without a checksum", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_NoFile_ReturnsNull() => Assert.Null(StageResult.TryRead(PathIn("control.params"), Run));
}
