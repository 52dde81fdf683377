namespace FastDraft.Evaluation;

/// <summary>A confidence interval around an estimate.</summary>
/// <param name="Estimate">The point estimate.</param>
/// <param name="Lower">The lower bound.</param>
/// <param name="Upper">The upper bound.</param>
/// <param name="Level">The confidence level, for example 0.99.</param>
public readonly record struct ConfidenceInterval(double Estimate, double Lower, double Upper, double Level)
{
    /// <summary>Returns whether <paramref name="value"/> lies within the interval (bounds included).</summary>
    /// <param name="value">The value.</param>
    /// <returns><see langword="true"/> when <c>Lower ≤ value ≤ Upper</c>.</returns>
    public bool Contains(double value) => value >= Lower && value <= Upper;
}
