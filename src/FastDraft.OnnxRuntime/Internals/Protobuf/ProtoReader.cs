// The one reader of ONNX protobuf files: FastDraft.ModelWriter and FastDraft.Training use it too (InternalsVisibleTo).
namespace FastDraft.OnnxRuntime.Internals.Protobuf;

/// <summary>
/// A forward-only reader of protocol-buffer fields over a seekable stream, enough to walk an ONNX
/// ModelProto without loading it: large fields (weights) are skipped by seeking, and the offset of
/// every field is known, so tensors can be located and patched in place.
/// </summary>
internal sealed class ProtoReader(Stream stream)
{
    /// <summary>Gets the absolute offset of the next byte to read.</summary>
    public long Position => stream.Position;

    /// <summary>Reads the next field key inside a message that ends at <paramref name="end"/>.</summary>
    public bool TryReadField(long end, out int field, out WireType wireType)
    {
        if (stream.Position >= end)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        ulong key = ReadVarint();
        field = (int)(key >> 3);
        wireType = (WireType)(int)(key & 7);
        if (field <= 0)
        {
            throw new InvalidDataException($"Malformed protobuf: field number {field} at offset {stream.Position}.");
        }

        return true;
    }

    /// <summary>Reads a base-128 varint.</summary>
    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                throw new EndOfStreamException("Malformed protobuf: truncated varint.");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("Malformed protobuf: varint longer than 10 bytes.");
    }

    /// <summary>Reads a length prefix and returns the absolute end offset of the payload that follows.</summary>
    public long ReadLengthEnd()
    {
        ulong length = ReadVarint();
        long end = stream.Position + (long)length;
        if (length > long.MaxValue / 2 || end > stream.Length)
        {
            throw new InvalidDataException($"Malformed protobuf: length {length} at offset {stream.Position} runs past the end of the data.");
        }

        return end;
    }

    /// <summary>Reads a length-delimited payload as bytes.</summary>
    public byte[] ReadBytes()
    {
        long end = ReadLengthEnd();
        var bytes = new byte[end - stream.Position];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Reads a length-delimited UTF-8 string.</summary>
    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes());

    /// <summary>Moves to an absolute offset (the end of a nested message, typically).</summary>
    public void Seek(long position) => stream.Position = position;

    /// <summary>Skips the value of a field of the given wire type.</summary>
    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                stream.Position += 8;
                break;
            case WireType.Fixed32:
                stream.Position += 4;
                break;
            case WireType.LengthDelimited:
                stream.Position = ReadLengthEnd();
                break;
            default:
                throw new InvalidDataException($"Malformed protobuf: unsupported wire type {(int)wireType} at offset {stream.Position}.");
        }
    }

    /// <summary>Reads a repeated int64 field value, packed or not, appending to <paramref name="values"/>.</summary>
    public void ReadInt64s(WireType wireType, List<long> values)
    {
        if (wireType == WireType.Varint)
        {
            values.Add((long)ReadVarint());
            return;
        }

        long end = ReadLengthEnd();
        while (stream.Position < end)
        {
            values.Add((long)ReadVarint());
        }
    }
}
