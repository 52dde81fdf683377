namespace FastDraft.Evaluation;

/// <summary>Progress of a long measurement.</summary>
/// <param name="Stage">The stage: <c>warm-up</c>, <c>measure</c>, <c>quality</c>.</param>
/// <param name="Message">What runs now.</param>
/// <param name="Fraction">The fraction of the stage done, in [0, 1].</param>
/// <param name="Remaining">The estimated time left in the stage (zero when unknown).</param>
public readonly record struct EvaluationProgress(string Stage, string Message, double Fraction, TimeSpan Remaining);
