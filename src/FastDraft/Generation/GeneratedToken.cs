namespace FastDraft;

/// <summary>Where an emitted token came from. Every token is the target's choice; this says how it was reached.</summary>
public enum TokenSource
{
    /// <summary>The target produced it with no draft involved: the first token after the prompt, target-only decoding, or a round with no proposal.</summary>
    Target,

    /// <summary>The draft proposed it and the target accepted it.</summary>
    Draft,

    /// <summary>The target's token in place of the first draft token it rejected.</summary>
    Correction,

    /// <summary>The target's extra token after it accepted every draft token of the round.</summary>
    Bonus,
}

/// <summary>One emitted token.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Source">How the token was reached.</param>
/// <param name="Index">The token's position among the generated tokens, from 0.</param>
/// <param name="Text">
/// The text released with this token when the generator has a tokenizer, else <see langword="null"/>.
/// It may be empty (a character still incomplete, or text that could begin a stop sequence is held
/// back) or include text held back earlier; concatenated, the pieces are the generated text.
/// </param>
public readonly record struct GeneratedToken(int Id, TokenSource Source, int Index, string? Text = null);

/// <summary>Why a generation ended.</summary>
public enum StopReason
{
    /// <summary>The generation has not ended (or ended by an exception or cancellation).</summary>
    None,

    /// <summary><see cref="GenerationOptions.MaxNewTokens"/> tokens were generated.</summary>
    MaxNewTokens,

    /// <summary>The model emitted one of its end-of-sequence ids.</summary>
    EndOfSequence,

    /// <summary>One of <see cref="GenerationOptions.StopTokenIds"/> was emitted.</summary>
    StopToken,

    /// <summary>The text reached one of <see cref="GenerationOptions.StopSequences"/>; it and everything after it were not emitted.</summary>
    StopSequence,

    /// <summary>
    /// The prompt and the generated tokens filled the model's context before <see cref="GenerationOptions.MaxNewTokens"/>
    /// tokens were generated (only when <see cref="GenerationOptions.StopAtContextLimit"/> is set).
    /// </summary>
    ContextLimit,
}
