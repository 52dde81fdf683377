namespace FastDraft.Evaluation;

/// <summary>The descriptive statistics <c>fastdraft eval</c> and the benchmark runner share.</summary>
/// <remarks>Every method reads its input once and leaves it unchanged; none accepts an empty sequence.</remarks>
public static class Summary
{
    /// <summary>Returns the median: the middle value, or the mean of the two middle values.</summary>
    /// <param name="values">One or more values.</param>
    /// <returns>The median.</returns>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static double Median(IEnumerable<double> values) => Percentile(values, 50);

    /// <summary>
    /// Returns a percentile by linear interpolation between the closest ranks (the default of R, NumPy
    /// and Excel's PERCENTILE.INC): the 0th is the least value, the 100th the greatest, the 50th the median.
    /// </summary>
    /// <param name="values">One or more values.</param>
    /// <param name="percent">The percentile, in [0, 100].</param>
    /// <returns>The interpolated percentile.</returns>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percent"/> is outside [0, 100].</exception>
    public static double Percentile(IEnumerable<double> values, double percent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        double[] sorted = Sorted(values);
        double rank = percent / 100 * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((rank - below) * (sorted[above] - sorted[below]));
    }

    /// <summary>Returns the 50th, 90th and 99th percentiles.</summary>
    /// <param name="values">One or more values.</param>
    /// <returns>The three percentiles.</returns>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static Percentiles Tail(IEnumerable<double> values)
    {
        double[] all = Sorted(values);
        return new Percentiles(Percentile(all, 50), Percentile(all, 90), Percentile(all, 99));
    }

    /// <summary>Returns the arithmetic mean.</summary>
    /// <param name="values">One or more values.</param>
    /// <returns>The mean.</returns>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static double Mean(IEnumerable<double> values) => Sorted(values).Average();

    /// <summary>
    /// Returns a Student-t confidence interval for the mean of <paramref name="values"/>, taken as
    /// independent draws: mean ± t(level, n − 1) · s / √n.
    /// </summary>
    /// <param name="values">Two or more values.</param>
    /// <param name="level">The confidence level, in (0, 1), for example 0.99.</param>
    /// <returns>The interval.</returns>
    /// <exception cref="ArgumentException">Fewer than two values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is outside (0, 1).</exception>
    public static ConfidenceInterval MeanInterval(IEnumerable<double> values, double level)
    {
        if (level is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The confidence level must be in (0, 1).");
        }

        double[] all = Sorted(values);
        if (all.Length < 2)
        {
            throw new ArgumentException("A confidence interval needs at least two values.", nameof(values));
        }

        double mean = all.Average();
        double variance = all.Sum(v => (v - mean) * (v - mean)) / (all.Length - 1);
        double half = StudentT.Quantile(0.5 + (level / 2), all.Length - 1) * Math.Sqrt(variance / all.Length);
        return new ConfidenceInterval(mean, mean - half, mean + half, level);
    }

    private static double[] Sorted(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values];
        if (sorted.Length == 0)
        {
            throw new ArgumentException("At least one value is needed.", nameof(values));
        }

        Array.Sort(sorted);
        return sorted;
    }
}
