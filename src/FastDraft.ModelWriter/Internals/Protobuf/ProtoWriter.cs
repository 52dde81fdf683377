using System.Buffers.Binary;
using System.Text;
using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.ModelWriter.Protobuf;

/// <summary>Writes protocol-buffer fields into a growable buffer; nested messages are written by a child writer and embedded.</summary>
internal sealed class ProtoWriter
{
    private byte[] _buffer = new byte[256];
    private int _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public ProtoWriter Varint(int field, long value)
    {
        Key(field, WireType.Varint);
        RawVarint((ulong)value);
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        Key(field, WireType.Fixed32);
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, WireType.LengthDelimited);
        RawVarint((ulong)value.Length);
        value.CopyTo(Reserve(value.Length));
        return this;
    }

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.Written);

    public void WriteTo(Stream stream) => stream.Write(Written);

    private void Key(int field, WireType wireType) => RawVarint(((ulong)field << 3) | (ulong)wireType);

    private void RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            Reserve(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }

        Reserve(1)[0] = (byte)value;
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
