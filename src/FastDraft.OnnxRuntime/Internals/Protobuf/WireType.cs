namespace FastDraft.OnnxRuntime.Internals.Protobuf;

/// <summary>Protocol-buffer wire types.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}
