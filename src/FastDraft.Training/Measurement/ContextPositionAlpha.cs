namespace FastDraft.Training;

/// <summary>Greedy acceptance over one range of context positions.</summary>
/// <param name="Start">The first context position (of the predicted token) in the bucket.</param>
/// <param name="End">One past the last.</param>
/// <param name="Positions">Positions measured in the bucket.</param>
/// <param name="Matches">Positions where the draft's argmax was the target's token.</param>
public sealed record ContextPositionAlpha(int Start, int End, int Positions, int Matches)
{
    /// <summary>Gets the share of matches (NaN for an empty bucket).</summary>
    public double Alpha => Positions == 0 ? double.NaN : (double)Matches / Positions;
}
