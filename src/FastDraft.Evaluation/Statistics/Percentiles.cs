namespace FastDraft.Evaluation;

/// <summary>The 50th, 90th and 99th percentiles of a distribution.</summary>
/// <param name="P50">The median.</param>
/// <param name="P90">The 90th percentile.</param>
/// <param name="P99">The 99th percentile.</param>
public readonly record struct Percentiles(double P50, double P90, double P99)
{
    /// <summary>Returns the three percentiles multiplied by <paramref name="factor"/> (for a change of unit).</summary>
    /// <param name="factor">The factor.</param>
    /// <returns>The scaled percentiles.</returns>
    public Percentiles Scale(double factor) => new(P50 * factor, P90 * factor, P99 * factor);
}
