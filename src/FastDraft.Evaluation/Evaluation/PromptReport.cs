namespace FastDraft.Evaluation;

/// <summary>One mode's figures on one prompt, over the repetitions.</summary>
/// <param name="Prompt">The prompt's index in the file (0-based).</param>
/// <param name="Alpha">α on this prompt.</param>
/// <param name="MeanAcceptedLength">Proposals accepted per round that had one.</param>
/// <param name="TargetPassesPerToken">Target passes per generated token.</param>
/// <param name="DecodeTokensPerSecond">The median decode rate over the repetitions.</param>
/// <param name="Speedup">The median over the repetitions of the rate ÷ target-only's on the same prompt and repetition.</param>
/// <param name="TimeToFirstTokenMilliseconds">The median time to first token.</param>
public readonly record struct PromptReport(int Prompt, double Alpha, double MeanAcceptedLength, double TargetPassesPerToken, double DecodeTokensPerSecond, double Speedup, double TimeToFirstTokenMilliseconds);
