namespace FastDraft.Evaluation;

/// <summary>One generation to measure.</summary>
/// <param name="Prompt">The prompt's token ids.</param>
/// <param name="MaxNewTokens">How many tokens to generate (end-of-sequence is ignored, so every mode generates as many).</param>
/// <param name="Seed">The seed of a sampled generation; greedy modes ignore it.</param>
public readonly record struct GenerationRequest(ReadOnlyMemory<int> Prompt, int MaxNewTokens, long Seed);
