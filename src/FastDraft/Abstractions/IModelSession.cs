namespace FastDraft;

/// <summary>
/// The state of one generation on one model: the tokens in its key/value cache, and the logits
/// of the tokens last appended.
/// </summary>
/// <remarks>
/// A session is used by one thread at a time and owned by whoever created it. Spans returned by
/// <see cref="GetLogits"/> point into buffers the session reuses: they stay valid only until the
/// next call on the session, and must never be kept past it.
/// </remarks>
public interface IModelSession : IDisposable
{
    /// <summary>Gets the number of tokens in the cache.</summary>
    int Length { get; }

    /// <summary>Gets the most tokens the cache can hold.</summary>
    int Capacity { get; }

    /// <summary>
    /// Runs the model over <paramref name="tokens"/>, placed after the <see cref="Length"/> cached
    /// tokens, and keeps their logits for <see cref="GetLogits"/>.
    /// </summary>
    /// <param name="tokens">One or more token ids, each in <c>[0, vocabulary size)</c>.</param>
    /// <param name="cancellationToken">Cancels the forward pass; the session is unusable afterwards.</param>
    /// <exception cref="ArgumentOutOfRangeException">A token id is outside the vocabulary.</exception>
    /// <exception cref="InvalidOperationException">The tokens do not fit in <see cref="Capacity"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets the logits that follow the token at <paramref name="index"/> of the last
    /// <see cref="Append"/> call: the model's scores for the next token.
    /// </summary>
    /// <param name="index">Index into the tokens of the last <see cref="Append"/>.</param>
    /// <returns>One score per vocabulary entry, valid until the next call on this session.</returns>
    /// <exception cref="InvalidOperationException">The model did not return logits for that position (see <see cref="ModelInfo.SupportsVerification"/>).</exception>
    ReadOnlySpan<float> GetLogits(int index);

    /// <summary>Rolls the cache back to its first <paramref name="length"/> tokens.</summary>
    /// <param name="length">The number of tokens to keep, at most <see cref="Length"/>.</param>
    void Truncate(int length);
}
