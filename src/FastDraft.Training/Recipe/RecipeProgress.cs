namespace FastDraft.Training;

/// <summary>Where the recipe is.</summary>
/// <param name="Stage">The stage: <c>corpus</c>, <c>data</c>, <c>pretrain</c>, <c>align</c>, <c>control</c>, <c>measure</c>.</param>
/// <param name="Message">A one-line status (counts, loss, rate).</param>
/// <param name="Fraction">The stage's completed share, in [0, 1].</param>
/// <param name="Remaining">The stage's estimated remaining time.</param>
public readonly record struct RecipeProgress(string Stage, string Message, double Fraction, TimeSpan Remaining);
