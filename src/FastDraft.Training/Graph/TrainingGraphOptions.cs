using FastDraft.ModelWriter.Protobuf;

namespace FastDraft.Training.Graph;

/// <summary>The shape and loss of a training graph.</summary>
internal sealed record TrainingGraphOptions
{
    /// <summary>Gets the sequences per batch (fixed in the graph, so ONNX Runtime can plan memory); default 1.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Gets the tokens per sequence (fixed in the graph); default 16.</summary>
    public int SequenceLength { get; init; } = 16;

    /// <summary>Gets the teacher entries per position of the soft targets; 0 (default) for none (no soft inputs, KL output 0).</summary>
    public int SoftTopK { get; init; }

    /// <summary>Gets a value indicating whether the graph computes in float64 (for gradient checks); default float32.</summary>
    public bool DoublePrecision { get; init; }

    /// <summary>Gets a value indicating whether the graph also outputs <c>logits</c> [batch, sequence, vocabulary] (for tests).</summary>
    public bool OutputLogits { get; init; }

    /// <summary>
    /// Gets a hook that sees the result of every backward rule and may replace it; null (default) in production. Tests
    /// use it to inject a deliberately wrong rule and show that the gradient check catches it.
    /// </summary>
    public BackwardRuleHook? BackwardHook { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(SequenceLength, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(SoftTopK);
    }
}

/// <summary>
/// Sees one backward rule's result (<paramref name="gradient"/>, computed from <paramref name="operands"/>) and returns
/// the tensor to use instead (normally <paramref name="gradient"/> itself).
/// </summary>
/// <param name="rule">
/// The rule: <c>softmax</c> (operands P, dP), <c>rmsnorm</c> (x̂, d x̂, r), <c>rotary</c> (dy, dy ⊙ cos, Rᵀ(dy ⊙ sin)), <c>silu</c>
/// (a, σ(a), d silu), <c>gqa</c> (for each of dK and dV: the left [B, KV, T, G·T] and right [B, KV, G·T, d] factors whose product
/// sums over the G query heads sharing a key/value head), <c>embedding</c> (the zero table, the ids [B·T, 1], the row gradients:
/// a scatter-add).
/// </param>
/// <param name="graph">The graph being built, for adding nodes.</param>
/// <param name="gradient">The rule's result.</param>
/// <param name="operands">The tensors the rule read.</param>
internal delegate string BackwardRuleHook(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands);
