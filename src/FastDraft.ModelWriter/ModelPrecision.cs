namespace FastDraft.ModelWriter;

/// <summary>How a written graph stores its weights and computes its activations.</summary>
public enum ModelPrecision
{
    /// <summary>float32 weights, activations, cache and logits.</summary>
    Fp32,

    /// <summary>
    /// float16 weights, activations, key/value cache and logits (inputs and outputs too), as ONNX Runtime GenAI's
    /// model builder writes fp16 models; RMSNorm is ONNX Runtime's SimplifiedLayerNormalization (float32 inside).
    /// Needs <see cref="AttentionKind.GroupQueryAttention"/>.
    /// </summary>
    Fp16,

    /// <summary>
    /// 4-bit weights as the builder's CPU int4 exports: the attention and MLP projections and the LM head are
    /// com.microsoft <c>MatMulNBits</c> nodes (bits 4, block size 32 along the input dimension, accuracy level 4),
    /// quantized per block asymmetrically with a zero point (scale = (max − min) / 15 over the block's values and 0);
    /// the token embedding, the norms and a tied head stay float32, as do activations, cache and logits.
    /// </summary>
    Int4,
}
