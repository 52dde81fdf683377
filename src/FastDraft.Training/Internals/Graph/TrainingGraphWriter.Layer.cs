using FastDraft.ModelWriter.Protobuf;

namespace FastDraft.Training.Graph;

/// <summary>One decoder layer forward and backward, RMSNorm, rotary and grouped-query attention.</summary>
internal sealed partial class TrainingGraphWriter
{
    private string? _cos;
    private string? _sin;
    private string? _causalBias;
    private string? _scale;

    private LayerState LayerForward(int layer, string x)
    {
        string p = $"model.layers.{layer}";
        (string wq, string wk, string wv, string wo) = ($"{p}.self_attn.q_proj.weight", $"{p}.self_attn.k_proj.weight", $"{p}.self_attn.v_proj.weight", $"{p}.self_attn.o_proj.weight");
        (string wg, string wu, string wd) = ($"{p}.mlp.gate_proj.weight", $"{p}.mlp.up_proj.weight", $"{p}.mlp.down_proj.weight");

        Norm inputNorm = RmsNorm(x, $"{p}.input_layernorm.weight");
        string q = _o.MatMul(inputNorm.Y, wq);
        string k = _o.MatMul(inputNorm.Y, wk);
        string v = _o.MatMul(inputNorm.Y, wv);

        // Queries grouped by key/value head: [B, KV, G·T, d], row g·T + t is query head kv·G + g at position t (the
        // writer's head order), so every attention product is a plain batched MatMul with no broadcast over groups.
        // The 1/√d scale goes on the queries ([G·T, d]) rather than on the scores ([G·T, T]): one pass less over the largest tensor.
        string queries = _o.Mul(SplitHeads(Rotary(_o.Reshape(q, _b, _t, _spec.Heads, _d))), Scale());
        string keys = _o.Transpose(Rotary(_o.Reshape(k, _b, _t, _spec.KeyValueHeads, _d)), 0, 2, 1, 3);
        string values = _o.Transpose(_o.Reshape(v, _b, _t, _spec.KeyValueHeads, _d), 0, 2, 1, 3);
        string scores = _o.Add(_o.MatMul(queries, _o.Transpose(keys, 0, 1, 3, 2)), CausalBias());
        string probabilities = _o.Node("Softmax", [scores], OnnxAttribute.Of("axis", -1L));
        string groupedContext = _o.MatMul(probabilities, values);
        string context = MergeHeads(groupedContext);
        string afterAttention = _o.Add(x, _o.MatMul(context, wo));

        Norm mlpNorm = RmsNorm(afterAttention, $"{p}.post_attention_layernorm.weight");
        string gate = _o.MatMul(mlpNorm.Y, wg);
        string up = _o.MatMul(mlpNorm.Y, wu);
        string sigmoid = _o.Node("Sigmoid", gate);
        string silu = _o.Mul(gate, sigmoid);
        string product = _o.Mul(silu, up);
        string output = _o.Add(afterAttention, _o.MatMul(product, wd));
        return new LayerState(inputNorm, wq, wk, wv, wo, queries, keys, values, probabilities, groupedContext, context, mlpNorm, wg, wu, wd, gate, up, sigmoid, silu, product, output);
    }

    private string LayerBackward(LayerState s, string dOutput, Dictionary<string, string> gradients)
    {
        // MLP: down = m·Wd, m = silu(a)⊙u, silu'(a) = σ(a)(1 + a(1 − σ(a))).
        gradients[s.Wd] = _o.Gemm(s.Product, dOutput, transA: true, output: GradientName(s.Wd));
        string dProduct = _o.Gemm(dOutput, s.Wd, transB: true);
        string dUp = _o.Mul(dProduct, s.Silu);
        string dSilu = _o.Mul(dProduct, s.Up);
        // σ(1 + a(1 − σ)) = σ(1 + a − silu): one pass less over [N, intermediate].
        string siluSlope = _o.Mul(s.Sigmoid, _o.Add(_o.Scalar(1), _o.Sub(s.Gate, s.Silu)));
        string dGate = Hook("silu", _o.Mul(dSilu, siluSlope), s.Gate, s.Sigmoid, dSilu);
        gradients[s.Wg] = _o.Gemm(s.MlpNorm.Y, dGate, transA: true, output: GradientName(s.Wg));
        gradients[s.Wu] = _o.Gemm(s.MlpNorm.Y, dUp, transA: true, output: GradientName(s.Wu));
        string dMlpIn = _o.Add(_o.Gemm(dGate, s.Wg, transB: true), _o.Gemm(dUp, s.Wu, transB: true));
        string dAfterAttention = _o.Add(dOutput, RmsNormBackward(s.MlpNorm, dMlpIn, gradients));

        // Attention output projection, then the attention core on grouped heads.
        gradients[s.Wo] = _o.Gemm(s.Context, dAfterAttention, transA: true, output: GradientName(s.Wo));
        string dContext = SplitHeads(_o.Gemm(dAfterAttention, s.Wo, transB: true));
        string dProbabilities = _o.MatMul(dContext, _o.Transpose(s.Values, 0, 1, 3, 2));
        string probabilitiesByKey = _o.Transpose(s.Probabilities, 0, 1, 3, 2);
        string dValues = _o.MatMul(probabilitiesByKey, dContext);
        // rowsum(dP ⊙ P) = rowsum(dC ⊙ C) since C = P·V and dP = dC·Vᵀ: computed on [G·T, d] instead of [G·T, T].
        string rowDot = _o.ReduceSum(_o.Mul(dContext, s.GroupedContext), true, -1);
        string dScores = Hook("softmax", _o.Mul(s.Probabilities, _o.Sub(dProbabilities, rowDot)), s.Probabilities, dProbabilities);
        string dQueries = _o.Mul(_o.MatMul(dScores, s.Keys), Scale());
        // Grouped-query attention: a key/value head's gradient sums over the G query heads that share it (the G·T rows).
        string scoresByKey = _o.Transpose(dScores, 0, 1, 3, 2);
        string dKeys = Hook("gqa", _o.MatMul(scoresByKey, s.Queries), scoresByKey, s.Queries);
        dValues = Hook("gqa", dValues, probabilitiesByKey, dContext);

        // Back to [B, T, heads, d], through the rotary, to [B·T, width].
        string dq = _o.Reshape(RotaryBackward(_o.Reshape(MergeHeads(dQueries), _b, _t, _spec.Heads, _d)), _n, _spec.Heads * _d);
        string dk = _o.Reshape(RotaryBackward(_o.Transpose(dKeys, 0, 2, 1, 3)), _n, _spec.KeyValueHeads * _d);
        string dv = _o.Reshape(_o.Transpose(dValues, 0, 2, 1, 3), _n, _spec.KeyValueHeads * _d);
        string h = s.InputNorm.Y;
        gradients[s.Wq] = _o.Gemm(h, dq, transA: true, output: GradientName(s.Wq));
        gradients[s.Wk] = _o.Gemm(h, dk, transA: true, output: GradientName(s.Wk));
        gradients[s.Wv] = _o.Gemm(h, dv, transA: true, output: GradientName(s.Wv));
        string dAttentionIn = _o.Add(_o.Add(_o.Gemm(dq, s.Wq, transB: true), _o.Gemm(dk, s.Wk, transB: true)), _o.Gemm(dv, s.Wv, transB: true));
        return _o.Add(dAfterAttention, RmsNormBackward(s.InputNorm, dAttentionIn, gradients));
    }

    /// <summary>[B, KV, G·T, d] → [B·T, heads·d] in the writer's head order.</summary>
    private string MergeHeads(string grouped) =>
        _o.Reshape(_o.Transpose(_o.Reshape(grouped, _b, _spec.KeyValueHeads, _groups, _t, _d), 0, 3, 1, 2, 4), _n, _spec.Heads * _d);

    /// <summary>[B·T, heads·d] (or [B, T, heads, d]) → [B, KV, G·T, d] (the inverse of <see cref="MergeHeads"/>).</summary>
    private string SplitHeads(string merged) =>
        _o.Reshape(_o.Transpose(_o.Reshape(merged, _b, _t, _spec.KeyValueHeads, _groups, _d), 0, 2, 3, 1, 4), _b, _spec.KeyValueHeads, _groups * _t, _d);

    /// <summary>y = x ⊙ r ⊙ w with r = 1/√(mean(x²) + ε) per row.</summary>
    private Norm RmsNorm(string x, string weight)
    {
        string meanSquare = _o.Mul(_o.ReduceSum(_o.Mul(x, x), true, -1), _o.Scalar(1.0 / _spec.HiddenSize));
        string r = _o.Node("Reciprocal", _o.Node("Sqrt", _o.Add(meanSquare, _eps)));
        string normalized = _o.Mul(x, r);
        return new Norm(weight, normalized, r, _o.Mul(normalized, weight));
    }

    /// <summary>dw = Σ_rows dy ⊙ x̂; dx = r ⊙ (d x̂ − x̂ · mean(d x̂ ⊙ x̂)) with d x̂ = dy ⊙ w.</summary>
    private string RmsNormBackward(Norm norm, string dy, Dictionary<string, string> gradients)
    {
        gradients[norm.Weight] = _o.ReduceSumTo(GradientName(norm.Weight), _o.Mul(dy, norm.Normalized), 0);
        string dNormalized = _o.Mul(dy, norm.Weight);
        string projection = _o.Mul(_o.ReduceSum(_o.Mul(dNormalized, norm.Normalized), true, -1), _o.Scalar(1.0 / _spec.HiddenSize));
        string dx = _o.Mul(norm.R, _o.Sub(dNormalized, _o.Mul(norm.Normalized, projection)));
        return Hook("rmsnorm", dx, norm.Normalized, dNormalized, norm.R);
    }

    /// <summary>Rotate-half rotary on [B, T, heads, d]: y = x ⊙ cos + R(x) ⊙ sin, R(x) = (−x₂, x₁).</summary>
    private string Rotary(string x)
    {
        EnsureRotaryTables();
        int half = _d / 2;
        string rotated = _o.Concat(-1, _o.Neg(_o.SliceLast(x, half, _d)), _o.SliceLast(x, 0, half));
        return _o.Add(_o.Mul(x, _cos!), _o.Mul(rotated, _sin!));
    }

    /// <summary>dx = dy ⊙ cos + Rᵀ(dy ⊙ sin), Rᵀ(g) = (g₂, −g₁).</summary>
    private string RotaryBackward(string dy)
    {
        int half = _d / 2;
        string scaled = _o.Mul(dy, _sin!);
        string transposed = _o.Concat(-1, _o.SliceLast(scaled, half, _d), _o.Neg(_o.SliceLast(scaled, 0, half)));
        string direct = _o.Mul(dy, _cos!);
        return Hook("rotary", _o.Add(direct, transposed), dy, direct, transposed);
    }

    /// <summary>cos and sin of position × θ^(−2i/d), halves repeated, [T, 1, d]: the writer's table rows 0..T−1.</summary>
    private void EnsureRotaryTables()
    {
        if (_cos is not null)
        {
            return;
        }

        int pairs = _d / 2;
        var cos = new double[_t * _d];
        var sin = new double[_t * _d];
        for (int position = 0; position < _t; position++)
        {
            for (int i = 0; i < _d; i++)
            {
                // The float64 graph rounds through float32 as the writer's float tables do, so both graphs see one function.
                double angle = position * Math.Pow(_spec.RopeTheta, -2.0 * (i % pairs) / _d);
                cos[(position * _d) + i] = (float)Math.Cos(angle);
                sin[(position * _d) + i] = (float)Math.Sin(angle);
            }
        }

        _cos = _o.Constant([_t, 1, _d], cos, "rotary_cos");
        _sin = _o.Constant([_t, 1, _d], sin, "rotary_sin");
    }

    private string Scale() => _scale ??= _o.Scalar(1 / Math.Sqrt(_d));

    /// <summary>Additive causal mask [G·T, T]: row g·T + i may see keys j ≤ i.</summary>
    private string CausalBias()
    {
        if (_causalBias is null)
        {
            var bias = new double[_groups * _t * _t];
            for (int row = 0; row < _groups * _t; row++)
            {
                int i = row % _t;
                for (int j = i + 1; j < _t; j++)
                {
                    // Large enough that exp underflows to exactly 0 in float32 and float64, small enough to stay finite.
                    bias[(row * _t) + j] = -1e9;
                }
            }

            _causalBias = _o.Constant([_groups * _t, _t], bias, "causal_bias");
        }

        return _causalBias;
    }

    private string Hook(string rule, string gradient, params string[] operands) =>
        _options.BackwardHook is { } hook ? hook(rule, _o.Builder, gradient, operands) : gradient;

    private sealed record Norm(string Weight, string Normalized, string R, string Y);

    private sealed record LayerState(
        Norm InputNorm, string Wq, string Wk, string Wv, string Wo, string Queries, string Keys, string Values, string Probabilities, string GroupedContext, string Context,
        Norm MlpNorm, string Wg, string Wu, string Wd, string Gate, string Up, string Sigmoid, string Silu, string Product, string Output);
}
