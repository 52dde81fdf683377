using FastDraft.ModelWriter.Protobuf;
using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.ModelWriter;

/// <summary>
/// Writes Llama-style decoders as ONNX Runtime GenAI model folders: <c>model.onnx</c>,
/// <c>model.onnx.data</c> (weights) and <c>genai_config.json</c>.
/// </summary>
/// <remarks>
/// Both attention flavours compute the same function from the same weights (up to floating-point
/// rounding), so a test can compare them. Weights are seeded per tensor name (see <see cref="DecoderSpec"/>).
/// </remarks>
public static class LlamaModelWriter
{
    internal const string ModelFileName = "model.onnx";
    internal const string DataFileName = "model.onnx.data";

    /// <summary>MatMulNBits' accuracy level in int4 models: 4 (activations quantized to int8 per block), as the builder's CPU int4 exports.</summary>
    internal const long AccuracyLevel = 4;

    /// <summary>Writes the model described by <paramref name="spec"/> into <paramref name="directory"/> (created if needed; files of the same names are replaced).</summary>
    /// <param name="spec">The model.</param>
    /// <param name="directory">The output folder.</param>
    /// <exception cref="ArgumentException">The spec is inconsistent (heads not dividing, ids outside the vocabulary, ...).</exception>
    public static void Write(DecoderSpec spec, string directory) => Write(spec, directory, null);

    /// <summary>
    /// Writes the model described by <paramref name="spec"/> with the given (for example trained) weights
    /// instead of seeded ones into <paramref name="directory"/> (created if needed; files of the same names are replaced).
    /// </summary>
    /// <param name="spec">The model's shape; its seed, logit scale and attenuation are not used when <paramref name="weights"/> is given.</param>
    /// <param name="directory">The output folder.</param>
    /// <param name="weights">
    /// Returns the row-major values of a named tensor: <c>model.embed_tokens.weight</c> [vocabulary, hidden];
    /// per layer <c>model.layers.{i}.</c> + <c>input_layernorm.weight</c> and <c>post_attention_layernorm.weight</c> [hidden],
    /// <c>self_attn.{q,k,v}_proj.weight</c> [hidden, heads × head size] (k and v with the key/value heads),
    /// <c>self_attn.o_proj.weight</c> [heads × head size, hidden], <c>mlp.{gate,up}_proj.weight</c> [hidden, intermediate],
    /// <c>mlp.down_proj.weight</c> [intermediate, hidden]; <c>model.norm.weight</c> [hidden]; and, unless
    /// <see cref="DecoderSpec.TiedEmbeddings"/>, <c>lm_head.weight</c> [hidden, vocabulary] ([hidden, M] for a head trimmed to
    /// <see cref="DecoderSpec.HeadTokenIds"/>; a tied trimmed head is written as an <c>lm_head.weight</c> of the embedding's kept
    /// rows). Projections are stored
    /// [in, out] (the graph computes <c>x · W</c>). Null: seeded weights. At <see cref="ModelPrecision.Int4"/> the projections
    /// and head are quantized from these values; at <see cref="ModelPrecision.Fp16"/> every tensor is rounded to float16.
    /// </param>
    /// <exception cref="ArgumentException">The spec is inconsistent, or a tensor has the wrong number of values.</exception>
    public static void Write(DecoderSpec spec, string directory, Func<string, ReadOnlyMemory<float>>? weights)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        spec.Validate();
        Directory.CreateDirectory(directory);

        using (var graph = new OnnxGraphBuilder(Path.Combine(directory, DataFileName)))
        {
            graph.Opset(string.Empty, 17);
            graph.Opset("com.microsoft", 1);
            new DecoderGraph(spec, graph, weights).Build();
            graph.Save(Path.Combine(directory, ModelFileName), "fastdraft_llama", "FastDraft.ModelWriter");
        }

        GenAIConfig.Write(spec, Path.Combine(directory, "genai_config.json"));
    }

    /// <summary>Builds the decoder graph, one layer at a time.</summary>
    private sealed class DecoderGraph(DecoderSpec spec, OnnxGraphBuilder g, Func<string, ReadOnlyMemory<float>>? weights)
    {
        private readonly int _headSize = spec.EffectiveHeadSize;
        private readonly bool _gqa = spec.Attention == AttentionKind.GroupQueryAttention;
        private readonly bool _half = spec.Precision == ModelPrecision.Fp16;
        private readonly int _floatType = spec.Precision == ModelPrecision.Fp16 ? OnnxDataType.Float16 : OnnxDataType.Float;
        private string _eps = string.Empty;

        public void Build()
        {
            DeclareInputsAndOutputs();
            if (!_half)
            {
                _eps = g.Scalar("rms_norm_eps", spec.RmsNormEpsilon);
            }

            float[] embeddingValues = Values("model.embed_tokens.weight", [spec.VocabularySize, spec.HiddenSize], 1.0);
            string embedding = Tensor("model.embed_tokens.weight", [spec.VocabularySize, spec.HiddenSize], embeddingValues);
            string x = g.Node("Gather", [embedding, "input_ids"]);
            Attention attention = _gqa ? GqaPieces() : StandardPieces();
            for (int layer = 0; layer < spec.Layers; layer++)
            {
                x = Layer(layer, x, attention);
            }

            string h = RmsNorm(x, "model.norm.weight");
            if (spec.LastPositionLogitsOnly)
            {
                h = g.Node("Slice", [h, g.Vector("last_start", -1), g.Vector("last_end", long.MaxValue), g.Vector("last_axis", 1)]);
            }

            if (spec.HeadTokenIds is { } kept)
            {
                TrimmedHead(h, kept, embeddingValues);
                return;
            }

            // A tied head reads the embedding transposed (float, at every precision); ONNX Runtime folds the
            // Transpose of the constant at load.
            bool biased = spec.PreferredTokensFrom < spec.VocabularySize && spec.PreferenceBias != 0;
            string? output = biased ? null : "logits";
            string logits = spec.TiedEmbeddings
                ? g.Node("MatMul", [h, g.Node("Transpose", [embedding], OnnxAttribute.Of("perm", new long[] { 1, 0 }))], [output ?? "head_out"], string.Empty)[0]
                : Project(h, "lm_head.weight", spec.HiddenSize, spec.VocabularySize, spec.LogitScale / Math.Sqrt(spec.HiddenSize), output);
            if (biased)
            {
                var bias = new float[spec.VocabularySize];
                Array.Fill(bias, spec.PreferenceBias, spec.PreferredTokensFrom, spec.VocabularySize - spec.PreferredTokensFrom);
                g.Node("Add", [logits, Tensor("lm_head.bias", [spec.VocabularySize], bias)], ["logits"], string.Empty);
            }
        }

        /// <summary>
        /// A trimmed head: M logits from an [hidden, M] projection (untied: <c>lm_head.weight</c>; tied: the embedding's
        /// kept rows, transposed), padded with one column of <see cref="DecoderSpec.TrimmedLogit"/> and gathered back to
        /// the full vocabulary by a constant map (id → its column, or the padding column): no scatter, one copy of V values.
        /// </summary>
        private void TrimmedHead(string h, IReadOnlyList<int> kept, float[] embedding)
        {
            int m = kept.Count;
            int width = spec.HiddenSize;
            float[]? tiedRows = null;
            if (spec.TiedEmbeddings)
            {
                tiedRows = new float[width * m];
                for (int column = 0; column < m; column++)
                {
                    for (int j = 0; j < width; j++)
                    {
                        tiedRows[(j * m) + column] = embedding[((long)kept[column] * width) + j];
                    }
                }
            }

            string scores = Project(h, "lm_head.weight", width, m, spec.LogitScale / Math.Sqrt(width), given: tiedRows);
            string floor = _half ? g.Halves("trimmed_logit", [], [Half.MinValue]) : g.Scalar("trimmed_logit", DecoderSpec.TrimmedLogit);
            string padded = g.Node("Pad", [scores, g.Vector("trimmed_pads", 0, 0, 0, 0, 0, 1), floor], OnnxAttribute.Of("mode", "constant"));
            var map = new long[spec.VocabularySize];
            Array.Fill(map, m);
            for (int column = 0; column < m; column++)
            {
                map[kept[column]] = column;
            }

            g.Node("Gather", [padded, g.Int64s("trimmed_columns", [spec.VocabularySize], map)], ["logits"], string.Empty, OnnxAttribute.Of("axis", 2L));
        }

        private void DeclareInputsAndOutputs()
        {
            g.Value(true, "input_ids", OnnxDataType.Int64, "batch_size", "sequence_length");
            g.Value(true, "attention_mask", OnnxDataType.Int64, "batch_size", "total_sequence_length");
            if (!_gqa)
            {
                g.Value(true, "position_ids", OnnxDataType.Int64, "batch_size", "sequence_length");
            }

            for (int layer = 0; layer < spec.Layers; layer++)
            {
                foreach (string part in (string[])["key", "value"])
                {
                    g.Value(true, $"past_key_values.{layer}.{part}", _floatType, "batch_size", spec.KeyValueHeads, "past_sequence_length", _headSize);
                }
            }

            g.Value(false, "logits", _floatType, "batch_size", spec.LastPositionLogitsOnly ? 1 : "sequence_length", spec.VocabularySize);
            for (int layer = 0; layer < spec.Layers; layer++)
            {
                foreach (string part in (string[])["key", "value"])
                {
                    g.Value(false, $"present.{layer}.{part}", _floatType, "batch_size", spec.KeyValueHeads, "total_sequence_length", _headSize);
                }
            }
        }

        private string Layer(int layer, string x, Attention attention)
        {
            string prefix = $"model.layers.{layer}";
            double residual = layer >= spec.AttenuatedLayersFrom ? spec.AttenuationScale : 1.0;
            int qWidth = spec.Heads * _headSize;
            int kvWidth = spec.KeyValueHeads * _headSize;

            string h = RmsNorm(x, $"{prefix}.input_layernorm.weight");
            double inStd = 1 / Math.Sqrt(spec.HiddenSize);
            string q = Project(h, $"{prefix}.self_attn.q_proj.weight", spec.HiddenSize, qWidth, inStd);
            string k = Project(h, $"{prefix}.self_attn.k_proj.weight", spec.HiddenSize, kvWidth, inStd);
            string v = Project(h, $"{prefix}.self_attn.v_proj.weight", spec.HiddenSize, kvWidth, inStd);
            string context = attention(layer, q, k, v);
            string o = Project(context, $"{prefix}.self_attn.o_proj.weight", qWidth, spec.HiddenSize, residual / Math.Sqrt(qWidth));
            x = g.Node("Add", [x, o]);

            string h2 = RmsNorm(x, $"{prefix}.post_attention_layernorm.weight");
            string gate = Project(h2, $"{prefix}.mlp.gate_proj.weight", spec.HiddenSize, spec.IntermediateSize, inStd);
            string up = Project(h2, $"{prefix}.mlp.up_proj.weight", spec.HiddenSize, spec.IntermediateSize, inStd);
            string silu = g.Node("Mul", [gate, g.Node("Sigmoid", [gate])]);
            string down = Project(g.Node("Mul", [silu, up]), $"{prefix}.mlp.down_proj.weight", spec.IntermediateSize, spec.HiddenSize, residual / Math.Sqrt(spec.IntermediateSize));
            return g.Node("Add", [x, down]);
        }

        private delegate string Attention(int layer, string q, string k, string v);

        /// <summary>GroupQueryAttention: rotary, cache update and attention in one contrib node.</summary>
        private Attention GqaPieces()
        {
            string one = g.Scalar("one_i64", 1L);
            string seqlensK = g.Node("Cast", [g.Node("Sub", [g.Node("ReduceSum", ["attention_mask", g.Vector("axes_1", 1)], OnnxAttribute.Of("keepdims", 0L)), one])], OnnxAttribute.Of("to", OnnxDataType.Int32));
            string total = g.Node("Cast", [g.Node("Gather", [g.Node("Shape", ["attention_mask"]), one])], OnnxAttribute.Of("to", OnnxDataType.Int32));
            (string cos, string sin) = RotaryTables(half: true);
            return (layer, q, k, v) => g.Node(
                "GroupQueryAttention",
                [q, k, v, $"past_key_values.{layer}.key", $"past_key_values.{layer}.value", seqlensK, total, cos, sin],
                [$"attn_out_{layer}", $"present.{layer}.key", $"present.{layer}.value"],
                "com.microsoft",
                OnnxAttribute.Of("num_heads", spec.Heads),
                OnnxAttribute.Of("kv_num_heads", spec.KeyValueHeads),
                OnnxAttribute.Of("do_rotary", 1L),
                OnnxAttribute.Of("rotary_interleaved", 0L))[0];
        }

        /// <summary>Standard operators: rotary from position ids, concatenated cache, causal + padding mask, grouped heads by broadcasting.</summary>
        private Attention StandardPieces()
        {
            int groups = spec.Heads / spec.KeyValueHeads;
            int half = _headSize / 2;
            (string cosTable, string sinTable) = RotaryTables(half: false);
            string axis1 = g.Vector("axes_1", 1);
            string cos = g.Node("Unsqueeze", [g.Node("Gather", [cosTable, "position_ids"]), axis1]);
            string sin = g.Node("Unsqueeze", [g.Node("Gather", [sinTable, "position_ids"]), axis1]);

            // Query i (of S, the last of T positions) may attend to key j when j <= T - S + i and the mask allows j.
            string one = g.Scalar("one_i64", 1L);
            string zero = g.Scalar("zero_i64", 0L);
            string s = g.Node("Gather", [g.Node("Shape", ["input_ids"]), one]);
            string t = g.Node("Gather", [g.Node("Shape", ["attention_mask"]), one]);
            string keys = g.Node("Unsqueeze", [g.Node("Range", [zero, t, one]), g.Vector("axes_0", 0)]);
            string queries = g.Node("Unsqueeze", [g.Node("Range", [g.Node("Sub", [t, s]), t, one]), axis1]);
            string causal = g.Node("LessOrEqual", [keys, queries]);
            string padding = g.Node("Cast", [g.Node("Unsqueeze", ["attention_mask", g.Vector("axes_1_2_3", 1, 2, 3)])], OnnxAttribute.Of("to", 9L));
            string allowed = g.Node("And", [causal, padding]);
            string bias = g.Node("Where", [allowed, g.Scalar("mask_keep", 0f), g.Scalar("mask_drop", float.MinValue)]);
            string scale = g.Scalar("attn_scale", (float)(1 / Math.Sqrt(_headSize)));

            string headsShape = g.Vector("shape_q_heads", 0, 0, spec.Heads, _headSize);
            string kvHeadsShape = g.Vector("shape_kv_heads", 0, 0, spec.KeyValueHeads, _headSize);
            string groupedShape = g.Vector("shape_grouped", 0, spec.KeyValueHeads, groups, -1, _headSize);
            string ungroupedShape = g.Vector("shape_ungrouped", 0, spec.Heads, -1, _headSize);
            string mergedShape = g.Vector("shape_merged", 0, 0, spec.Heads * _headSize);
            string axis2 = g.Vector("axes_2", 2);
            string firstHalf = g.Vector("half_0", 0);
            string middle = g.Vector("half_1", half);
            string end = g.Vector("half_2", _headSize);
            string lastAxis = g.Vector("axes_last", -1);

            string Heads(string x, string shape) => g.Node("Transpose", [g.Node("Reshape", [x, shape])], OnnxAttribute.Of("perm", new long[] { 0, 2, 1, 3 }));
            string Rotate(string x)
            {
                string x1 = g.Node("Slice", [x, firstHalf, middle, lastAxis]);
                string x2 = g.Node("Slice", [x, middle, end, lastAxis]);
                string rotated = g.Node("Concat", [g.Node("Neg", [x2]), x1], OnnxAttribute.Of("axis", -1L));
                return g.Node("Add", [g.Node("Mul", [x, cos]), g.Node("Mul", [rotated, sin])]);
            }

            return (layer, q, k, v) =>
            {
                string q4 = Rotate(Heads(q, headsShape));
                string k4 = Rotate(Heads(k, kvHeadsShape));
                string v4 = Heads(v, kvHeadsShape);
                string presentK = g.Node("Concat", [$"past_key_values.{layer}.key", k4], [$"present.{layer}.key"], string.Empty, OnnxAttribute.Of("axis", 2L))[0];
                string presentV = g.Node("Concat", [$"past_key_values.{layer}.value", v4], [$"present.{layer}.value"], string.Empty, OnnxAttribute.Of("axis", 2L))[0];
                string keysT = g.Node("Unsqueeze", [g.Node("Transpose", [presentK], OnnxAttribute.Of("perm", new long[] { 0, 1, 3, 2 })), axis2]);
                string scores = g.Node("Add", [g.Node("Mul", [g.Node("MatMul", [g.Node("Reshape", [q4, groupedShape]), keysT]), scale]), bias]);
                string probabilities = g.Node("Softmax", [scores], OnnxAttribute.Of("axis", -1L));
                string context = g.Node("MatMul", [probabilities, g.Node("Unsqueeze", [presentV, axis2])]);
                string perHead = g.Node("Reshape", [context, ungroupedShape]);
                return g.Node("Reshape", [g.Node("Transpose", [perHead], OnnxAttribute.Of("perm", new long[] { 0, 2, 1, 3 })), mergedShape]);
            };
        }

        /// <summary>cos/sin of position × θ^(−2i/d): [positions, d/2] for GroupQueryAttention, [positions, d] (halves repeated) for rotate-half.</summary>
        private (string Cos, string Sin) RotaryTables(bool half)
        {
            int pairs = _headSize / 2;
            int width = half ? pairs : _headSize;
            var cos = new float[spec.ContextLength * width];
            var sin = new float[spec.ContextLength * width];
            for (int position = 0; position < spec.ContextLength; position++)
            {
                for (int i = 0; i < width; i++)
                {
                    double angle = position * Math.Pow(spec.RopeTheta, -2.0 * (i % pairs) / _headSize);
                    cos[(position * width) + i] = (float)Math.Cos(angle);
                    sin[(position * width) + i] = (float)Math.Sin(angle);
                }
            }

            return (Tensor("rotary_cos", [spec.ContextLength, width], cos), Tensor("rotary_sin", [spec.ContextLength, width], sin));
        }

        private string RmsNorm(string x, string weightName)
        {
            var gain = new float[spec.HiddenSize];
            if (weights is null)
            {
                Array.Fill(gain, 1f);
            }
            else
            {
                Given(weightName, gain);
            }

            if (_half)
            {
                // float16 has too little range for x² of large activations: the fused operator normalizes in float32.
                return g.Node(
                    "SimplifiedLayerNormalization",
                    [x, Tensor(weightName, [spec.HiddenSize], gain)],
                    OnnxAttribute.Of("axis", -1L),
                    OnnxAttribute.Of("epsilon", spec.RmsNormEpsilon),
                    OnnxAttribute.Of("stash_type", 1L));
            }

            string squares = g.Node("Mul", [x, x]);
            string mean = g.Node("ReduceMean", [squares], OnnxAttribute.Of("axes", new long[] { -1 }), OnnxAttribute.Of("keepdims", 1L));
            string inverse = g.Node("Reciprocal", [g.Node("Sqrt", [g.Node("Add", [mean, _eps])])]);
            return g.Node("Mul", [g.Node("Mul", [x, inverse]), g.Weight(weightName, [spec.HiddenSize], gain)]);
        }

        /// <summary><c>x · W</c> for an [inputs, outputs] projection: MatMul, or MatMulNBits of the int4-quantized weights.</summary>
        private string Project(string x, string name, int inputs, int outputs, double std, string? output = null, float[]? given = null)
        {
            float[] values = given ?? Values(name, [inputs, outputs], std);
            if (spec.Precision != ModelPrecision.Int4)
            {
                string[] matMulInputs = [x, Tensor(name, [inputs, outputs], values)];
                return output is null ? g.Node("MatMul", matMulInputs) : g.Node("MatMul", matMulInputs, [output], string.Empty)[0];
            }

            (byte[] packed, float[] scales, byte[] zeroPoints) = Int4Quantizer.Quantize(values, inputs, outputs);
            int blocks = Int4Quantizer.Blocks(inputs);
            return g.Node(
                "MatMulNBits",
                [
                    x,
                    g.Bytes($"{name}.q4", [outputs, blocks, Int4Quantizer.BlobSize], packed),
                    g.Weight($"{name}.scales", [(long)outputs * blocks], scales),
                    g.Bytes($"{name}.zero_points", [(long)outputs * Int4Quantizer.ZeroPointBytes(inputs)], zeroPoints),
                ],
                [output ?? $"{name}.matmul_nbits"],
                "com.microsoft",
                OnnxAttribute.Of("K", inputs),
                OnnxAttribute.Of("N", outputs),
                OnnxAttribute.Of("bits", Int4Quantizer.Bits),
                OnnxAttribute.Of("block_size", Int4Quantizer.BlockSize),
                OnnxAttribute.Of("accuracy_level", AccuracyLevel))[0];
        }

        /// <summary>A float tensor at the graph's float type (float16 in a float16 model, float32 otherwise).</summary>
        private string Tensor(string name, long[] dims, float[] values)
        {
            if (!_half)
            {
                return g.Weight(name, dims, values);
            }

            var halves = new Half[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                halves[i] = (Half)values[i];
            }

            return g.Halves(name, dims, halves);
        }

        private float[] Values(string name, long[] dims, double std)
        {
            var values = new float[checked((int)(dims[0] * dims[1]))];
            if (weights is null)
            {
                new SeededRandom(spec.Seed, name).Fill(values, std);
            }
            else
            {
                Given(name, values);
            }

            return values;
        }

        private void Given(string name, Span<float> destination)
        {
            ReadOnlySpan<float> source = weights!(name).Span;
            if (source.Length != destination.Length)
            {
                throw new ArgumentException($"Tensor '{name}' has {source.Length} values; the spec needs {destination.Length}.");
            }

            source.CopyTo(destination);
        }
    }
}
