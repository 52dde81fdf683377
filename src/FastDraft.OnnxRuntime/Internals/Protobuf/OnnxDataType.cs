namespace FastDraft.OnnxRuntime.Internals.Protobuf;

/// <summary>ONNX TensorProto.DataType values used here.</summary>
internal static class OnnxDataType
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Float16 = 10;
    public const int Double = 11;
    public const int BFloat16 = 16;
}
