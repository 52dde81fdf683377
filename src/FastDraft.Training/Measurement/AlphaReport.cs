using System.Globalization;

namespace FastDraft.Training;

/// <summary>
/// Greedy acceptance of a draft, teacher-forced along the target's own greedy continuations: at every position the
/// draft's argmax is compared with the target's token. The match indicators also give an exact simulation of
/// greedy speculative decoding (tokens emitted per target pass at a fixed draft length K).
/// </summary>
/// <param name="Alpha">Share of positions where the draft's argmax equals the target's token.</param>
/// <param name="AlphaFirst32">The same over the first 32 continuation positions of every prompt.</param>
/// <param name="Positions">Positions measured.</param>
/// <param name="TokensPerTargetPass">Simulated tokens emitted per target pass, keyed by K (2, 4 and 8).</param>
/// <param name="ByContextPosition">α by where in the context the predicted token sits: eight equal buckets up to the context length (empty buckets have no positions).</param>
/// <param name="ContextLength">The context the buckets divide (the draft's).</param>
public sealed record AlphaReport(double Alpha, double AlphaFirst32, int Positions, IReadOnlyDictionary<int, double> TokensPerTargetPass, IReadOnlyList<ContextPositionAlpha> ByContextPosition, int ContextLength)
{
    /// <summary>Gets α over the positions in the first half of the context (NaN when none was measured there).</summary>
    public double AlphaFirstHalf => AlphaBetween(0, ContextLength / 2);

    /// <summary>Gets α over the positions in the last quarter of the context (NaN when none was measured there).</summary>
    public double AlphaLastQuarter => AlphaBetween(ContextLength - (ContextLength / 4), ContextLength);

    /// <summary>
    /// Gets a warning when α in the last quarter of the context falls more than 0.05 below α in its first half (a draft
    /// that was not trained on, or does not generalise to, the later positions); <see langword="null"/> otherwise.
    /// </summary>
    public string? LateContextWarning =>
        AlphaFirstHalf - AlphaLastQuarter > 0.05
            ? string.Create(CultureInfo.InvariantCulture, $"α falls from {AlphaFirstHalf:F3} in the first half of the context to {AlphaLastQuarter:F3} in its last quarter (positions {ContextLength - (ContextLength / 4)}–{ContextLength}): the draft does not hold up late in the context; train it on windows as long as the context.")
            : null;

    private double AlphaBetween(int start, int end)
    {
        long matched = 0, counted = 0;
        foreach (ContextPositionAlpha bucket in ByContextPosition)
        {
            if (bucket.Start >= start && bucket.End <= end)
            {
                matched += bucket.Matches;
                counted += bucket.Positions;
            }
        }

        return counted == 0 ? double.NaN : (double)matched / counted;
    }
}
