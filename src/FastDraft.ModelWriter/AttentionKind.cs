namespace FastDraft.ModelWriter;

/// <summary>How attention is expressed in a written graph.</summary>
public enum AttentionKind
{
    /// <summary>
    /// One com.microsoft GroupQueryAttention node per layer with rotary embedding inside, as ONNX
    /// Runtime GenAI's model builder writes: no position ids input, and past and present may share one buffer.
    /// </summary>
    GroupQueryAttention,

    /// <summary>
    /// Standard ONNX operators only (MatMul, Softmax, Concat, ...), as an Optimum export: a
    /// <c>position_ids</c> input, and a present cache that grows by concatenation.
    /// </summary>
    StandardOps,
}
