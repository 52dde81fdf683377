namespace FastDraft.Evaluation;

/// <summary>The mode to deploy, and why.</summary>
/// <param name="Mode">A mode's name (<c>target-only</c> when no proposer helps or the gate failed).</param>
/// <param name="Reason">One or two sentences with the figures behind the choice.</param>
public sealed record Recommendation(string Mode, string Reason);
