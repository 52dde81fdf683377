namespace FastDraft;

/// <summary>A finished generation: its tokens and statistics.</summary>
/// <param name="Tokens">The emitted tokens in order.</param>
/// <param name="Stats">The generation's counters and timings.</param>
public sealed record GenerationResult(IReadOnlyList<GeneratedToken> Tokens, GenerationStats Stats)
{
    /// <summary>Gets the emitted token ids in order.</summary>
    public int[] Ids => [.. Tokens.Select(t => t.Id)];

    /// <summary>Gets the generated text (the tokens' text pieces joined), or <see langword="null"/> when the generator has no tokenizer.</summary>
    public string? Text => Tokens.Count > 0 && Tokens[0].Text is null ? null : string.Concat(Tokens.Select(t => t.Text));
}
