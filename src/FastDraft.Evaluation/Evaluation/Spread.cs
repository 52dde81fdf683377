namespace FastDraft.Evaluation;

/// <summary>The 10th, 50th and 90th percentiles of a distribution.</summary>
/// <param name="P10">The 10th percentile.</param>
/// <param name="Median">The median.</param>
/// <param name="P90">The 90th percentile.</param>
public readonly record struct Spread(double P10, double Median, double P90);
