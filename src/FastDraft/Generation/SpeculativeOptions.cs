namespace FastDraft;

/// <summary>How a <see cref="SpeculativeGenerator"/> drafts; fixed for the generator's lifetime.</summary>
public sealed record SpeculativeOptions
{
    /// <summary>The largest <see cref="DraftTokens"/> allowed.</summary>
    public const int MaxDraftTokens = 64;

    /// <summary>Gets the default options.</summary>
    public static SpeculativeOptions Default { get; } = new();

    /// <summary>
    /// Gets the number of tokens (K) the draft proposes per round; the target verifies them
    /// together with the previous token in one pass of K + 1 tokens. 1 to <see cref="MaxDraftTokens"/>; default 4.
    /// </summary>
    public int DraftTokens { get; init; } = 4;

    internal void Validate(string paramName)
    {
        if (DraftTokens is < 1 or > MaxDraftTokens)
        {
            throw new ArgumentOutOfRangeException(paramName, DraftTokens, $"DraftTokens must be between 1 and {MaxDraftTokens}.");
        }
    }
}
