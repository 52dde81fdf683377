using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace FastDraft.Training;

/// <summary>A finished recipe stage: its parameters, steps and held-out bits per token, kept so a rerun skips the stage.</summary>
/// <remarks>File: ASCII <c>FDST</c>, steps (int64), bits per token (float64), parameter count (int64), then the float32 parameters; little-endian; written atomically.</remarks>
internal sealed record StageResult(float[] Parameters, long Steps, double HeldOutBitsPerToken)
{
    /// <summary>Gets the training rate of the run that produced it (not stored; 0 when read back).</summary>
    public double TokensPerSecond { get; init; }

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("FDST");

    public static StageResult? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 28 || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' is not a finished-stage file; delete it to run the stage again.");
        }

        long steps = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(4));
        double bits = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(12));
        long count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(20));
        if (count < 0 || bytes.Length != 28 + (count * 4))
        {
            throw new InvalidDataException($"'{path}' is truncated ({bytes.Length} bytes for {count} parameters); delete it to run the stage again.");
        }

        float[] parameters = new float[count];
        MemoryMarshal.Cast<byte, float>(bytes.AsSpan(28)).CopyTo(parameters);
        return new StageResult(parameters, steps, bits);
    }

    public void Write(string path)
    {
        byte[] bytes = new byte[28 + (Parameters.Length * 4)];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), Steps);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(12), HeldOutBitsPerToken);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(20), Parameters.Length);
        MemoryMarshal.AsBytes(Parameters.AsSpan()).CopyTo(bytes.AsSpan(28));
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
