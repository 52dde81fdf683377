using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.Tests.Writer;

/// <summary>One node of an ONNX graph: operator, domain, inputs and integer attributes.</summary>
internal sealed record GraphNode(string OpType, string Domain, IReadOnlyList<string> Inputs, IReadOnlyDictionary<string, long> IntAttributes);

/// <summary>Reads the top-level nodes of an ONNX file (with the loader's graph walk, independently of the writer's encoder) to check what a written graph contains.</summary>
internal static class WrittenGraph
{
    public static List<GraphNode> Nodes(string modelFile)
    {
        var nodes = new List<GraphNode>();
        using FileStream stream = File.OpenRead(modelFile);
        GraphInspector.ForEachGraphField(stream, modelFile, OnnxField.GraphNode, reader => nodes.Add(Node(reader.ReadBytes())));
        return nodes;
    }

    private static GraphNode Node(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var reader = new ProtoReader(stream);
        string opType = string.Empty, domain = string.Empty;
        var inputs = new List<string>();
        var attributes = new Dictionary<string, long>();
        while (reader.TryReadField(bytes.Length, out int field, out WireType wire))
        {
            switch (field)
            {
                case OnnxField.NodeInput when wire == WireType.LengthDelimited:
                    inputs.Add(reader.ReadString());
                    break;
                case OnnxField.NodeOpType when wire == WireType.LengthDelimited:
                    opType = reader.ReadString();
                    break;
                case OnnxField.NodeDomain when wire == WireType.LengthDelimited:
                    domain = reader.ReadString();
                    break;
                case OnnxField.NodeAttribute when wire == WireType.LengthDelimited:
                    Attribute(reader.ReadBytes(), attributes);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return new GraphNode(opType, domain, inputs, attributes);
    }

    private static void Attribute(byte[] bytes, Dictionary<string, long> attributes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var reader = new ProtoReader(stream);
        string name = string.Empty;
        long? value = null;
        while (reader.TryReadField(bytes.Length, out int field, out WireType wire))
        {
            if (field == OnnxField.AttributeName && wire == WireType.LengthDelimited)
            {
                name = reader.ReadString();
            }
            else if (field == OnnxField.AttributeInt && wire == WireType.Varint)
            {
                value = (long)reader.ReadVarint();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        if (value is long v)
        {
            attributes[name] = v;
        }
    }
}
