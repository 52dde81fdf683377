using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace FastDraft.Runner;

/// <summary>
/// The speculative options of an ONNX Runtime GenAI 0.20 generation, by the names and types its generator parameters
/// take (numbers: <c>max_draft_tokens</c>, <c>ngram_size</c>, <c>min_adaptive_k</c>; Booleans: <c>ngram_chained_lookup</c>,
/// <c>cooldown</c>). A wrong type is refused ("Expected a number but saw a bool"), as is an unknown name.
/// </summary>
/// <param name="DraftTokens"><c>max_draft_tokens</c>: K, or the largest K when adaptive (1 to 16).</param>
/// <param name="Adaptive">
/// Sets <c>min_adaptive_k</c> to 1: K moves between 1 and <paramref name="DraftTokens"/> from the acceptance it observes
/// (its <c>adaptive_k_*</c> statistics). It does not stop drafting: with an unrelated draft it kept K = 1 every round.
/// </param>
/// <param name="Chained"><c>ngram_chained_lookup</c>: after a hit, the proposal's own tail is looked up again to fill K (n-gram only; refused without <c>ngram_size</c>).</param>
/// <param name="Cooldown">
/// <c>cooldown</c>: after a round that accepts nothing, the next token comes from a plain target step without drafting
/// (its statistics: <c>cooldown_entries</c>, <c>cooldown_steps</c>, <c>standard_fallback_steps</c>; with an unrelated draft
/// one step per entry, 45 of each over 192 tokens). It never triggered with a trained draft (α ≈ 0.96).
/// </param>
/// <param name="NGramSize"><c>ngram_size</c>: n-gram lookup instead of a draft model (0 for none; refused on a composite draft-model configuration).</param>
internal readonly record struct GenAIOptions(int DraftTokens, bool Adaptive = false, bool Chained = false, bool Cooldown = false, int NGramSize = 0)
{
    public void Apply(GenAI.GeneratorParams parameters)
    {
        if (NGramSize > 0)
        {
            parameters.SetSpeculativeNumber("ngram_size", NGramSize);
        }

        parameters.SetSpeculativeNumber("max_draft_tokens", DraftTokens);
        if (Adaptive)
        {
            parameters.SetSpeculativeNumber("min_adaptive_k", 1);
        }

        if (Chained)
        {
            parameters.SetSpeculativeBool("ngram_chained_lookup", true);
        }

        if (Cooldown)
        {
            parameters.SetSpeculativeBool("cooldown", true);
        }
    }
}
