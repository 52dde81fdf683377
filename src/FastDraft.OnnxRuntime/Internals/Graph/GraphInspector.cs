using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.OnnxRuntime.Internals.Graph;

/// <summary>
/// Reads the top-level nodes of an ONNX file without loading its weights, to learn what the
/// session metadata does not tell: which key/value inputs feed a com.microsoft
/// GroupQueryAttention node, whose past and present may share one buffer.
/// </summary>
internal static class GraphInspector
{
    private const int PastKeyInput = 3;
    private const int PastValueInput = 4;
    private const int PresentKeyOutput = 1;
    private const int PresentValueOutput = 2;

    /// <summary>Lists the GroupQueryAttention nodes of the model's main graph.</summary>
    /// <exception cref="InvalidModelException">The file is not a readable ONNX model.</exception>
    public static List<AttentionNode> FindGroupQueryAttention(string modelPath)
    {
        using var file = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return FindGroupQueryAttention(file, modelPath);
    }

    /// <summary>Lists the GroupQueryAttention nodes of the ONNX model in <paramref name="model"/> (a seekable stream), read from <paramref name="modelPath"/>.</summary>
    /// <exception cref="InvalidModelException">The data is not a readable ONNX model; the message names <paramref name="modelPath"/>.</exception>
    internal static List<AttentionNode> FindGroupQueryAttention(Stream model, string modelPath)
    {
        var found = new List<AttentionNode>();
        ForEachGraphField(model, modelPath, OnnxField.GraphNode, reader => ReadNode(reader.ReadBytes(), found));
        return found;
    }

    /// <summary>
    /// Walks the graph of the ONNX model in <paramref name="model"/> (a seekable stream), handing every length-delimited
    /// field numbered <paramref name="graphField"/> to <paramref name="read"/> (which must consume it) and skipping the rest.
    /// </summary>
    /// <exception cref="InvalidModelException">The stream is not a readable ONNX model.</exception>
    internal static void ForEachGraphField(Stream model, string modelPath, int graphField, Action<ProtoReader> read)
    {
        try
        {
            var reader = new ProtoReader(model);
            while (reader.TryReadField(model.Length, out int field, out WireType wire))
            {
                if (field != OnnxField.ModelGraph || wire != WireType.LengthDelimited)
                {
                    reader.Skip(wire);
                    continue;
                }

                long graphEnd = reader.ReadLengthEnd();
                while (reader.TryReadField(graphEnd, out int inGraph, out WireType graphWire))
                {
                    if (inGraph == graphField && graphWire == WireType.LengthDelimited)
                    {
                        read(reader);
                    }
                    else
                    {
                        reader.Skip(graphWire);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or OverflowException)
        {
            throw new InvalidModelException($"'{modelPath}' is not a readable ONNX model: {ex.Message}", modelPath, ex);
        }
    }

    private static void ReadNode(byte[] node, List<AttentionNode> found)
    {
        using var stream = new MemoryStream(node, writable: false);
        var reader = new ProtoReader(stream);
        var inputs = new List<string>();
        var outputs = new List<string>();
        string opType = string.Empty;
        string domain = string.Empty;
        while (reader.TryReadField(node.Length, out int field, out WireType wire))
        {
            switch (field)
            {
                case OnnxField.NodeInput when wire == WireType.LengthDelimited:
                    inputs.Add(reader.ReadString());
                    break;
                case OnnxField.NodeOutput when wire == WireType.LengthDelimited:
                    outputs.Add(reader.ReadString());
                    break;
                case OnnxField.NodeOpType when wire == WireType.LengthDelimited:
                    opType = reader.ReadString();
                    break;
                case OnnxField.NodeDomain when wire == WireType.LengthDelimited:
                    domain = reader.ReadString();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (opType == "GroupQueryAttention" && domain == "com.microsoft" && inputs.Count > PastValueInput && outputs.Count > PresentValueOutput)
        {
            found.Add(new AttentionNode(inputs[PastKeyInput], inputs[PastValueInput], outputs[PresentKeyOutput], outputs[PresentValueOutput]));
        }
    }
}
