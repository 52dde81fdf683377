namespace FastDraft;

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
