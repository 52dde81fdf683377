using FastDraft.ModelWriter.Protobuf;

namespace FastDraft.Training.Graph;

/// <summary>
/// Sees one backward rule's result (<paramref name="gradient"/>, computed from <paramref name="operands"/>) and returns
/// the tensor to use instead (normally <paramref name="gradient"/> itself).
/// </summary>
/// <param name="rule">
/// The rule: <c>softmax</c> (operands P, dP), <c>rmsnorm</c> (x̂, d x̂, r), <c>rotary</c> (dy, dy ⊙ cos, Rᵀ(dy ⊙ sin)), <c>silu</c>
/// (a, σ(a), d silu), <c>gqa</c> (for each of dK and dV: the left [B, KV, T, G·T] and right [B, KV, G·T, d] factors whose product
/// sums over the G query heads sharing a key/value head), <c>embedding</c> (the table added into: zeros, or the tied
/// head's part of the gradient; the ids [B·T, 1], the row gradients: a scatter-add), <c>loss</c> (per chunk of tokens: the scaled
/// softmax [C, V], the one-hot columns, the amounts they are pulled down by: a scatter-add giving d(loss)/d(logits)), <c>head</c>
/// (per chunk after the first: the head's gradient so far, then the two factors whose product the chunk adds to it),
/// <c>trimmed-head</c> (a tied trimmed head: zeros [V, H], the kept ids [M, 1], the kept rows' gradient [M, H]: a scatter
/// of the rows' gradient into the embedding's).
/// </param>
/// <param name="graph">The graph being built, for adding nodes.</param>
/// <param name="gradient">The rule's result.</param>
/// <param name="operands">The tensors the rule read.</param>
internal delegate string BackwardRuleHook(string rule, OnnxGraphBuilder graph, string gradient, IReadOnlyList<string> operands);
