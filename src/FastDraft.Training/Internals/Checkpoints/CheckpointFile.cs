using System.Runtime.InteropServices;

namespace FastDraft.Training;

/// <summary>
/// Reads and writes training checkpoints. Format version 1, all numbers little-endian:
/// <code>
/// magic         8 bytes  "FDTRAIN\n"
/// version       int32    1
/// fingerprint   uint64   layout and trajectory options
/// step          int64    optimizer steps completed
/// horizon       int64    the schedule's last step
/// tokensSeen    int64
/// elapsed       float64  seconds of training so far
/// count         int64    parameters N
/// parameters    float32[N]
/// firstMoment   float32[N]   AdamW m
/// secondMoment  float32[N]   AdamW v
/// dataLength    int32
/// dataState     byte[dataLength]  the batch source's position, random states included
/// checksum      uint32   CRC-32C of every byte before it
/// </code>
/// Writing goes to a temporary file in the same folder, is flushed to disk, and then renamed over the target,
/// so a crash leaves either the old checkpoint or the new one, never a mixture.
/// </summary>
internal static class CheckpointFile
{
    public const int Version = 1;
    private static readonly byte[] Magic = "FDTRAIN\n"u8.ToArray();

    public static void Write(string path, CheckpointHeader header, ReadOnlySpan<float> parameters, ReadOnlySpan<float> firstMoment, ReadOnlySpan<float> secondMoment, ReadOnlySpan<byte> dataState)
    {
        ThrowIfBigEndian();
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var checksummed = new ChecksumStream(file);
                using (var writer = new BinaryWriter(checksummed, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(Version);
                    writer.Write(header.Fingerprint);
                    writer.Write(header.Step);
                    writer.Write(header.Horizon);
                    writer.Write(header.TokensSeen);
                    writer.Write(header.ElapsedSeconds);
                    writer.Write((long)parameters.Length);
                    writer.Write(MemoryMarshal.AsBytes(parameters));
                    writer.Write(MemoryMarshal.AsBytes(firstMoment));
                    writer.Write(MemoryMarshal.AsBytes(secondMoment));
                    writer.Write(dataState.Length);
                    writer.Write(dataState);
                }

                Span<byte> crc = stackalloc byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(crc, checksummed.Checksum);
                file.Write(crc);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Verifies the whole file (magic, version, sizes, checksum, fingerprint) before touching the destination
    /// buffers, then reads it into them.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">The file is damaged or belongs to another run shape.</exception>
    public static CheckpointHeader Read(string path, ulong expectedFingerprint, Span<float> parameters, Span<float> firstMoment, Span<float> secondMoment, out byte[] dataState)
    {
        ThrowIfBigEndian();
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        Verify(path, file);
        file.Position = 0;
        try
        {
            using var reader = new BinaryReader(file, System.Text.Encoding.UTF8, leaveOpen: true);
            reader.ReadBytes(Magic.Length);
            reader.ReadInt32();
            var header = new CheckpointHeader(reader.ReadUInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadDouble());
            if (header.Fingerprint != expectedFingerprint)
            {
                throw new InvalidCheckpointException(path, $"it was written for a different model layout or training options (fingerprint {header.Fingerprint:X16}, this run {expectedFingerprint:X16}).");
            }

            long count = reader.ReadInt64();
            if (count != parameters.Length || header.Step < 0 || header.Horizon < 1)
            {
                throw new InvalidCheckpointException(path, $"it holds {count} parameters at step {header.Step}; this model has {parameters.Length}.");
            }

            file.ReadExactly(MemoryMarshal.AsBytes(parameters));
            file.ReadExactly(MemoryMarshal.AsBytes(firstMoment));
            file.ReadExactly(MemoryMarshal.AsBytes(secondMoment));
            int dataLength = reader.ReadInt32();
            if (dataLength < 0 || dataLength != file.Length - file.Position - 4)
            {
                throw new InvalidCheckpointException(path, $"its data state length {dataLength} does not match the file's size.");
            }

            dataState = reader.ReadBytes(dataLength);
            return header;
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidCheckpointException(path, "it ends early.", exception);
        }
    }

    private static void ThrowIfBigEndian()
    {
        // Float arrays are written as their in-memory bytes; the format is little-endian.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Checkpoints are read and written on little-endian machines only.");
        }
    }

    private static void Verify(string path, FileStream file)
    {
        if (file.Length < Magic.Length + 4 + 4)
        {
            throw new InvalidCheckpointException(path, $"it is {file.Length} bytes, too short to be a checkpoint.");
        }

        Span<byte> head = stackalloc byte[12];
        file.ReadExactly(head);
        if (!head[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidCheckpointException(path, "it does not start with the FastDraft checkpoint marker.");
        }

        int version = BitConverter.ToInt32(head[Magic.Length..]);
        if (version != Version)
        {
            throw new InvalidCheckpointException(path, $"it has format version {version}; this library reads version {Version}.");
        }

        file.Position = 0;
        uint crc = 0;
        byte[] buffer = new byte[1 << 20];
        long remaining = file.Length - 4;
        while (remaining > 0)
        {
            int read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            if (read == 0)
            {
                throw new InvalidCheckpointException(path, "it ends early.");
            }

            crc = Crc32C.Append(crc, buffer.AsSpan(0, read));
            remaining -= read;
        }

        Span<byte> stored = stackalloc byte[4];
        file.ReadExactly(stored);
        if (BitConverter.ToUInt32(stored) != crc)
        {
            throw new InvalidCheckpointException(path, "its checksum does not match its contents (the file is damaged).");
        }
    }

    /// <summary>A write-only pass-through that keeps the CRC-32C of everything written.</summary>
    private sealed class ChecksumStream(Stream inner) : Stream
    {
        public uint Checksum { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Checksum = Crc32C.Append(Checksum, buffer);
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
