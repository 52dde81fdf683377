namespace FastDraft.Evaluation;

/// <summary>Speculative modes and the target-only mode they must match (run under the same constraint, or none).</summary>
internal readonly record struct QualityGroup(IMeasuredMode Baseline, IReadOnlyList<IMeasuredMode> Speculative);
