namespace FastDraft;

/// <summary>What a generator needs to know about a language model.</summary>
public sealed record ModelInfo
{
    /// <summary>Gets a display name (for ONNX models, the folder name).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the number of rows in the model's logits: valid token ids are <c>[0, VocabularySize)</c>.</summary>
    public required int VocabularySize { get; init; }

    /// <summary>Gets the most tokens (prompt plus generated) the model accepts.</summary>
    public required int ContextLength { get; init; }

    /// <summary>Gets the token ids that end a generation unless <see cref="GenerationOptions.IgnoreEndOfSequence"/> is set.</summary>
    public IReadOnlyList<int> EndOfSequenceTokenIds { get; init; } = [];

    /// <summary>Gets the beginning-of-sequence token id, when the model declares one.</summary>
    public int? BeginningOfSequenceTokenId { get; init; }

    /// <summary>Gets the padding token id, when the model declares one.</summary>
    public int? PaddingTokenId { get; init; }

    /// <summary>
    /// Gets why the model cannot verify drafts (score several new tokens in one pass after a
    /// cache), or <see langword="null"/> when it can.
    /// </summary>
    public string? VerificationUnsupportedReason { get; init; }

    /// <summary>
    /// Gets the bytes a session's key/value cache takes per token of its <see cref="IModelSession.Capacity"/>, or
    /// <see langword="null"/> when the model does not say. A <see cref="SessionPool"/> sizes what it keeps with it
    /// (a session of a model that does not say counts as 0 bytes, bounded only by <see cref="SessionPoolOptions.MaxSessions"/>).
    /// </summary>
    public long? CacheBytesPerToken { get; init; }

    /// <summary>Gets a value indicating whether the model can be the target of speculative decoding.</summary>
    public bool SupportsVerification => VerificationUnsupportedReason is null;
}
