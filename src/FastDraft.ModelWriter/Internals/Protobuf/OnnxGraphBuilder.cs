using System.Globalization;
using System.Runtime.InteropServices;
using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.ModelWriter.Protobuf;

/// <summary>
/// Builds one ONNX graph and writes it as <c>model.onnx</c>; weights of 1 KiB and more go to an
/// external data file as they are added, so a large model never sits in memory whole.
/// </summary>
/// <remarks>Owns the external data stream until <see cref="Save"/> or <see cref="Dispose"/>.</remarks>
internal sealed class OnnxGraphBuilder : IDisposable
{
    private const int InlineLimit = 1024;
    private const int Alignment = 64;
    private readonly ProtoWriter _graph = new();
    private readonly FileStream _data;
    private readonly string _dataFileName;
    private readonly List<(string Domain, long Version)> _opsets = [];
    private int _nextName;

    public OnnxGraphBuilder(string dataPath)
    {
        _dataFileName = Path.GetFileName(dataPath);
        _data = new FileStream(dataPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public void Opset(string domain, long version) => _opsets.Add((domain, version));

    /// <summary>Adds a node with one output, named automatically; returns the output name.</summary>
    public string Node(string opType, string[] inputs, params OnnxAttribute[] attributes) =>
        Node(opType, inputs, [$"{opType}_{_nextName++}"], string.Empty, attributes)[0];

    /// <summary>Adds a node with the given outputs; returns them.</summary>
    public string[] Node(string opType, string[] inputs, string[] outputs, string domain, params OnnxAttribute[] attributes)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs)
        {
            node.String(OnnxField.NodeInput, input);
        }

        foreach (string output in outputs)
        {
            node.String(OnnxField.NodeOutput, output);
        }

        node.String(OnnxField.NodeName, $"{opType}_node_{_nextName++}").String(OnnxField.NodeOpType, opType);
        foreach (OnnxAttribute attribute in attributes)
        {
            node.Message(OnnxField.NodeAttribute, attribute.Encode());
        }

        if (domain.Length > 0)
        {
            node.String(OnnxField.NodeDomain, domain);
        }

        _graph.Message(OnnxField.GraphNode, node);
        return outputs;
    }

    public string Weight(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> values) =>
        Initializer(name, dims, OnnxDataType.Float, MemoryMarshal.AsBytes(values));

    public string Halves(string name, ReadOnlySpan<long> dims, ReadOnlySpan<Half> values) =>
        Initializer(name, dims, OnnxDataType.Float16, MemoryMarshal.AsBytes(values));

    public string Bytes(string name, ReadOnlySpan<long> dims, ReadOnlySpan<byte> values) =>
        Initializer(name, dims, OnnxDataType.UInt8, values);

    public string Doubles(string name, ReadOnlySpan<long> dims, ReadOnlySpan<double> values) =>
        Initializer(name, dims, OnnxDataType.Double, MemoryMarshal.AsBytes(values));

    public string Int64s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> values) =>
        Initializer(name, dims, OnnxDataType.Int64, MemoryMarshal.AsBytes(values));

    public string Scalar(string name, float value) => Weight(name, [], [value]);

    public string Scalar(string name, long value) => Int64s(name, [], [value]);

    public string Vector(string name, params long[] values) => Int64s(name, [values.Length], values);

    /// <summary>Declares a graph input or output; a dimension is a number or a symbolic name.</summary>
    public void Value(bool input, string name, int elementType, params object[] dims)
    {
        var shape = new ProtoWriter();
        foreach (object dim in dims)
        {
            var dimension = new ProtoWriter();
            _ = dim is string symbol
                ? dimension.String(OnnxField.DimParam, symbol)
                : dimension.Varint(OnnxField.DimValue, Convert.ToInt64(dim, CultureInfo.InvariantCulture));
            shape.Message(OnnxField.ShapeDim, dimension);
        }

        var tensorType = new ProtoWriter().Varint(OnnxField.TypeTensorElemType, elementType).Message(OnnxField.TypeTensorShape, shape);
        var type = new ProtoWriter().Message(OnnxField.TypeTensor, tensorType);
        var valueInfo = new ProtoWriter().String(OnnxField.ValueInfoName, name).Message(OnnxField.ValueInfoType, type);
        _graph.Message(input ? OnnxField.GraphInput : OnnxField.GraphOutput, valueInfo);
    }

    public void Save(string modelPath, string graphName, string producer)
    {
        _data.Flush();
        _data.Dispose();
        _graph.String(OnnxField.GraphName, graphName);
        var model = new ProtoWriter()
            .Varint(OnnxField.ModelIrVersion, 8)
            .String(OnnxField.ModelProducerName, producer)
            .String(OnnxField.ModelProducerVersion, typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0");
        foreach ((string domain, long version) in _opsets)
        {
            model.Message(OnnxField.ModelOpsetImport, new ProtoWriter().String(OnnxField.OpsetDomain, domain).Varint(OnnxField.OpsetVersion, version));
        }

        model.Message(OnnxField.ModelGraph, _graph);
        using FileStream file = File.Create(modelPath);
        model.WriteTo(file);
    }

    public void Dispose() => _data.Dispose();

    private string Initializer(string name, ReadOnlySpan<long> dims, int dataType, ReadOnlySpan<byte> bytes)
    {
        var tensor = new ProtoWriter();
        foreach (long dim in dims)
        {
            tensor.Varint(OnnxField.TensorDims, dim);
        }

        tensor.Varint(OnnxField.TensorDataType, dataType).String(OnnxField.TensorName, name);
        if (bytes.Length < InlineLimit)
        {
            tensor.Bytes(OnnxField.TensorRawData, bytes);
        }
        else
        {
            long padding = (Alignment - (_data.Position % Alignment)) % Alignment;
            _data.Write(new byte[padding]);
            long offset = _data.Position;
            _data.Write(bytes);
            tensor.Message(OnnxField.TensorExternalData, Entry("location", _dataFileName))
                .Message(OnnxField.TensorExternalData, Entry("offset", offset.ToString(CultureInfo.InvariantCulture)))
                .Message(OnnxField.TensorExternalData, Entry("length", bytes.Length.ToString(CultureInfo.InvariantCulture)))
                .Varint(OnnxField.TensorDataLocation, 1);
        }

        _graph.Message(OnnxField.GraphInitializer, tensor);
        return name;
    }

    private static ProtoWriter Entry(string key, string value) =>
        new ProtoWriter().String(OnnxField.StringEntryKey, key).String(OnnxField.StringEntryValue, value);
}
