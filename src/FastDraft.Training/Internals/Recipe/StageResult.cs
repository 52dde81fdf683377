using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FastDraft.Training;

/// <summary>A finished recipe stage: its parameters, steps and held-out bits per token, kept so a rerun skips the stage.</summary>
/// <remarks>
/// <para>File, little-endian: ASCII <c>FDSTAGE2</c>, the fingerprint of the run that made it (16 bytes, see
/// <see cref="RunFingerprint"/>; zeros when none was recorded), steps (int64), bits per token (float64), parameter count
/// (int64), the float32 parameters, and a CRC-32C of every byte before it.</para>
/// <para>Written to a temporary file, flushed and renamed, so a crash leaves the old file or the new one. A file that
/// is damaged, holds NaN or infinity, or was made by another run is refused by name: exporting it would only hand the
/// damage on to the draft (a NaN-filled file was once exported before anything noticed).</para>
/// </remarks>
internal sealed record StageResult(float[] Parameters, long Steps, double HeldOutBitsPerToken)
{
    /// <summary>The fingerprint of a stage file whose run is not recorded (train-model's); never compared.</summary>
    public static readonly byte[] NoFingerprint = new byte[FingerprintSize];

    private const int FingerprintSize = 16;
    private const int HeaderSize = 8 + FingerprintSize + 24;
    private static readonly byte[] Magic = "FDSTAGE2"u8.ToArray();
    private static readonly byte[] FirstFormatMagic = "FDST"u8.ToArray();

    /// <summary>Gets the training rate of the run that produced it (not stored; 0 when read back).</summary>
    public double TokensPerSecond { get; init; }

    /// <summary>Gets the fingerprint of the run that made it (16 bytes).</summary>
    public byte[] Fingerprint { get; init; } = NoFingerprint;

    /// <summary>Reads a finished-stage file, or returns <see langword="null"/> when there is none.</summary>
    /// <param name="path">The file.</param>
    /// <param name="expectedFingerprint">The run's fingerprint; <see langword="null"/> (or <see cref="NoFingerprint"/>) accepts any run's file.</param>
    /// <exception cref="InvalidDataException">The file is damaged, from an earlier format, holds non-finite parameters or was made by another run.</exception>
    public static StageResult? TryRead(string path, byte[]? expectedFingerprint = null)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        ThrowIfBigEndian();
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length >= FirstFormatMagic.Length && bytes.AsSpan(0, FirstFormatMagic.Length).SequenceEqual(FirstFormatMagic) && !bytes.AsSpan().StartsWith(Magic))
        {
            throw Refused(path, "was written by an earlier FastDraft without a checksum");
        }

        if (bytes.Length < HeaderSize + 4 || !bytes.AsSpan().StartsWith(Magic))
        {
            throw Refused(path, "is not a finished-stage file");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)) != Crc32C.Append(0, bytes.AsSpan(0, bytes.Length - 4)))
        {
            throw Refused(path, "is damaged (its checksum does not match its contents)");
        }

        byte[] fingerprint = bytes.AsSpan(8, FingerprintSize).ToArray();
        int at = 8 + FingerprintSize;
        long steps = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at));
        double bits = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at + 8));
        long count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at + 16));
        if (count < 0 || bytes.Length != HeaderSize + (count * 4) + 4)
        {
            throw Refused(path, $"has {bytes.Length} bytes for {count} parameters");
        }

        if (expectedFingerprint is not null && !expectedFingerprint.AsSpan().SequenceEqual(NoFingerprint) && !fingerprint.AsSpan().SequenceEqual(expectedFingerprint))
        {
            throw Refused(path, $"was made by another run (fingerprint {Convert.ToHexStringLower(fingerprint)}, this run {Convert.ToHexStringLower(expectedFingerprint)})");
        }

        float[] parameters = new float[count];
        MemoryMarshal.Cast<byte, float>(bytes.AsSpan(HeaderSize, (int)count * 4)).CopyTo(parameters);
        if (FirstNonFinite(parameters) is int bad)
        {
            throw Refused(path, $"holds a non-finite parameter ({parameters[bad]} at index {bad})");
        }

        return new StageResult(parameters, steps, bits) { Fingerprint = fingerprint };
    }

    /// <summary>Writes the file atomically, refusing non-finite parameters (nothing is written then).</summary>
    /// <exception cref="InvalidDataException">A parameter is NaN or infinite.</exception>
    public void Write(string path)
    {
        ThrowIfBigEndian();
        if (FirstNonFinite(Parameters) is int bad)
        {
            string stage = Path.GetFileNameWithoutExtension(path);
            throw new InvalidDataException($"The {stage} stage ended with a non-finite parameter ({Parameters[bad]} at index {bad}), so '{path}' was not written; lower the learning rate, or run the stage again with --restart.");
        }

        if (Fingerprint.Length != FingerprintSize)
        {
            throw new ArgumentException($"A stage fingerprint has {FingerprintSize} bytes; got {Fingerprint.Length}.", nameof(path));
        }

        byte[] bytes = new byte[HeaderSize + (Parameters.Length * 4) + 4];
        Magic.CopyTo(bytes, 0);
        Fingerprint.CopyTo(bytes, 8);
        int at = 8 + FingerprintSize;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), Steps);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at + 8), HeldOutBitsPerToken);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at + 16), Parameters.Length);
        MemoryMarshal.AsBytes(Parameters.AsSpan()).CopyTo(bytes.AsSpan(HeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32C.Append(0, bytes.AsSpan(0, bytes.Length - 4)));
        AtomicFile.Write(path, bytes);
    }

    private static int? FirstNonFinite(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return null;
    }

    private static InvalidDataException Refused(string path, string reason) =>
        new($"'{path}' {reason}; delete it (or run with --restart) to run the stage again.");

    private static void ThrowIfBigEndian()
    {
        // Float arrays are written as their in-memory bytes; the format is little-endian.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Finished-stage files are read and written on little-endian machines only.");
        }
    }
}
