using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.ModelWriter.Protobuf;

/// <summary>An ONNX node attribute.</summary>
internal readonly record struct OnnxAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null, string? Text = null)
{
    private const int FloatType = 1;
    private const int IntType = 2;
    private const int StringType = 3;
    private const int IntsType = 7;

    public static OnnxAttribute Of(string name, string value) => new(name, Text: value);

    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);

    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);

    public static OnnxAttribute Of(string name, long[] values) => new(name, Ints: values);

    public ProtoWriter Encode()
    {
        var writer = new ProtoWriter().String(OnnxField.AttributeName, Name);
        if (Int is long i)
        {
            writer.Varint(OnnxField.AttributeInt, i).Varint(OnnxField.AttributeType, IntType);
        }
        else if (Text is string text)
        {
            writer.String(OnnxField.AttributeString, text).Varint(OnnxField.AttributeType, StringType);
        }
        else if (Float is float f)
        {
            writer.Float(OnnxField.AttributeFloat, f).Varint(OnnxField.AttributeType, FloatType);
        }
        else
        {
            foreach (long value in Ints!)
            {
                writer.Varint(OnnxField.AttributeInts, value);
            }

            writer.Varint(OnnxField.AttributeType, IntsType);
        }

        return writer;
    }
}
