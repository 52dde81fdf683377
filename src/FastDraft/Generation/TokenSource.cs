namespace FastDraft;

/// <summary>Where an emitted token came from. Every token is the target's choice; this says how it was reached.</summary>
public enum TokenSource
{
    /// <summary>The target produced it with no draft involved: the first token after the prompt, target-only decoding, or a round with no proposal.</summary>
    Target,

    /// <summary>The draft proposed it and the target accepted it (a draft model's token, or any draft's but prompt lookup's).</summary>
    Draft,

    /// <summary>The target's token in place of the first draft token it rejected.</summary>
    Correction,

    /// <summary>The target's extra token after it accepted every draft token of the round.</summary>
    Bonus,

    /// <summary>
    /// Prompt lookup proposed it (copied it from the context: <see cref="NGramDraftModel"/>, or a <see cref="CombinedDraftModel"/>'s
    /// lookup) and the target accepted it.
    /// </summary>
    Lookup,

    /// <summary>The constraint (<see cref="GenerationOptions.Constraint"/>) allowed only this token: appended without a draft pass, and verified by the target like a draft.</summary>
    Grammar,
}
