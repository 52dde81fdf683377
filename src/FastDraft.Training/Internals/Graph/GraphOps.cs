using FastDraft.ModelWriter.Protobuf;
using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.Training.Graph;

/// <summary>
/// Thin typed helpers over <see cref="OnnxGraphBuilder"/> for the training graph: every constant is written in the
/// graph's element type (float or double), and shape constants are shared by value.
/// </summary>
internal sealed class GraphOps(OnnxGraphBuilder g, bool doublePrecision)
{
    private readonly Dictionary<string, string> _constants = [];

    public OnnxGraphBuilder Builder => g;

    public int ElementType => doublePrecision ? OnnxDataType.Double : OnnxDataType.Float;

    public string Node(string op, params string[] inputs) => g.Node(op, inputs);

    public string Node(string op, string[] inputs, params OnnxAttribute[] attributes) => g.Node(op, inputs, attributes);

    public string MatMul(string a, string b) => g.Node("MatMul", [a, b]);

    /// <summary>A · B with either operand transposed (2-D only); Gemm reads the transposed operand in place.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <param name="transA">Whether to transpose <paramref name="a"/>.</param>
    /// <param name="transB">Whether to transpose <paramref name="b"/>.</param>
    /// <param name="output">The output's name, or null for an automatic one.</param>
    /// <param name="accumulate">A tensor of the product's shape added to it (Gemm's C input, β = 1), or null.</param>
    public string Gemm(string a, string b, bool transA = false, bool transB = false, string? output = null, string? accumulate = null) =>
        Named("Gemm", accumulate is null ? [a, b] : [a, b, accumulate], output, OnnxAttribute.Of("transA", transA ? 1L : 0L), OnnxAttribute.Of("transB", transB ? 1L : 0L));

    public string Add(string a, string b) => g.Node("Add", [a, b]);

    public string Sub(string a, string b) => g.Node("Sub", [a, b]);

    public string Mul(string a, string b) => g.Node("Mul", [a, b]);

    public string Div(string a, string b) => g.Node("Div", [a, b]);

    public string Neg(string a) => g.Node("Neg", [a]);

    public string Transpose(string x, params long[] perm) => g.Node("Transpose", [x], OnnxAttribute.Of("perm", perm));

    public string Reshape(string x, params long[] shape) => g.Node("Reshape", [x, Shape(shape)]);

    public string ReduceSum(string x, bool keepDims, params long[] axes) =>
        g.Node("ReduceSum", [x, Shape(axes)], OnnxAttribute.Of("keepdims", keepDims ? 1L : 0L));

    public string ReduceSumTo(string output, string x, params long[] axes) =>
        Named("ReduceSum", [x, Shape(axes)], output, OnnxAttribute.Of("keepdims", 0L));

    /// <summary>A node whose output has the given name (a graph output, so no copy is needed), or an automatic one.</summary>
    public string Named(string op, string[] inputs, string? output, params OnnxAttribute[] attributes) =>
        output is null ? g.Node(op, inputs, attributes) : g.Node(op, inputs, [output], string.Empty, attributes)[0];

    public string Concat(long axis, params string[] parts) => g.Node("Concat", parts, OnnxAttribute.Of("axis", axis));

    /// <summary>The slice [start, end) of the last axis.</summary>
    public string SliceLast(string x, long start, long end) => g.Node("Slice", [x, Shape([start]), Shape([end]), Shape([-1])]);

    /// <summary>A scalar constant in the element type.</summary>
    public string Scalar(double value) => Constant([], [value]);

    /// <summary>A constant tensor in the element type.</summary>
    public string Constant(long[] dims, double[] values, string? name = null)
    {
        if (name is null)
        {
            string key = $"{string.Join(',', dims)}:{string.Join(',', values)}";
            if (values.Length <= 4 && _constants.TryGetValue(key, out string? existing))
            {
                return existing;
            }

            name = $"const_{_constants.Count}";
            if (values.Length <= 4)
            {
                _constants[key] = name;
            }
            else
            {
                _constants[name] = name;
            }
        }

        if (doublePrecision)
        {
            return g.Doubles(name, dims, values);
        }

        var floats = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            floats[i] = (float)values[i];
        }

        return g.Weight(name, dims, floats);
    }

    /// <summary>An int64 vector constant (shapes, axes, slice bounds).</summary>
    public string Shape(long[] values)
    {
        string key = "i64:" + string.Join(',', values);
        if (!_constants.TryGetValue(key, out string? name))
        {
            name = $"shape_{_constants.Count}";
            _constants[key] = name;
            g.Vector(name, values);
        }

        return name;
    }
}
