namespace FastDraft.Evaluation;

/// <summary>Decode rates and speed-ups from samples, computed one way for <c>fastdraft eval</c> and the benchmark runner.</summary>
public static class Throughput
{
    /// <summary>Returns the pooled decode rate of a group of generations: their tokens after the first over their decode time.</summary>
    /// <param name="samples">One or more generations (for example one repetition over every prompt).</param>
    /// <returns>Tokens per second; 0 when no time was measured.</returns>
    public static double DecodeRate(IEnumerable<GenerationSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        long tokens = 0;
        double seconds = 0;
        foreach (GenerationSample sample in samples)
        {
            tokens += Math.Max(0, sample.GeneratedTokens - 1);
            seconds += sample.DecodeTime.TotalSeconds;
        }

        return seconds <= 0 ? 0 : tokens / seconds;
    }

    /// <summary>Returns each repetition's pooled decode rate.</summary>
    /// <param name="repetitions">The samples of each repetition.</param>
    /// <returns>One rate per repetition.</returns>
    public static double[] RatesByRepetition(IEnumerable<IEnumerable<GenerationSample>> repetitions) =>
        [.. (repetitions ?? throw new ArgumentNullException(nameof(repetitions))).Select(DecodeRate)];

    /// <summary>
    /// Returns a speed-up from rates measured in the same repetitions: the ratio repetition by repetition
    /// (the two runs were at most minutes apart, under the same machine conditions), then the median.
    /// </summary>
    /// <param name="rates">The mode's rates by repetition.</param>
    /// <param name="baseline">The baseline's rates in the same repetitions.</param>
    /// <returns>The median paired ratio.</returns>
    /// <exception cref="ArgumentException">The two hold different numbers of repetitions, or none.</exception>
    public static double PairedSpeedup(IReadOnlyList<double> rates, IReadOnlyList<double> baseline)
    {
        ArgumentNullException.ThrowIfNull(rates);
        ArgumentNullException.ThrowIfNull(baseline);
        if (rates.Count != baseline.Count)
        {
            throw new ArgumentException("A paired speed-up needs rates from the same repetitions.", nameof(baseline));
        }

        return Summary.Median(rates.Zip(baseline, (x, y) => x / y));
    }
}
