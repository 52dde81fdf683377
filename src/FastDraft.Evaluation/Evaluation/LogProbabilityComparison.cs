namespace FastDraft.Evaluation;

/// <summary>The target's mean log-probability of the generated tokens (under the sampled distribution), a speculative mode against target-only.</summary>
/// <param name="Mode">The speculative mode.</param>
/// <param name="BaselineMean">Target-only's mean, per token, over its generations.</param>
/// <param name="ModeMean">The mode's mean.</param>
/// <param name="Difference">Mode − target-only, paired by prompt and repetition, with its confidence interval.</param>
/// <param name="Agrees">Whether the interval contains 0.</param>
public readonly record struct LogProbabilityComparison(string Mode, double BaselineMean, double ModeMean, ConfidenceInterval Difference, bool Agrees);
