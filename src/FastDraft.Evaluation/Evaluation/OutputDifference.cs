namespace FastDraft.Evaluation;

/// <summary>A greedy output that differs from target-only's.</summary>
/// <param name="Mode">The speculative mode (or <c>target-only</c> when target-only itself changed between repetitions).</param>
/// <param name="Prompt">The prompt's index (0-based).</param>
/// <param name="Repetition">The repetition (0-based).</param>
/// <param name="Position">The first generated position (0-based) where the tokens differ.</param>
/// <param name="Expected">Target-only's token there.</param>
/// <param name="Actual">The mode's token there (-1 when its output ended first).</param>
/// <param name="TopTwoMargin">The target's logit margin between its two most likely tokens there: near 0, a numerical tie; large, a real fault.</param>
public readonly record struct OutputDifference(string Mode, int Prompt, int Repetition, int Position, int Expected, int Actual, double TopTwoMargin);
