namespace FastDraft;

/// <summary>The per-generation state of a draft.</summary>
/// <remarks>Used by one thread at a time; owned and disposed by whoever created it.</remarks>
public interface IDraftSession : IDisposable
{
    /// <summary>Gets the number of forward passes the draft has run so far (0 for drafts without a model).</summary>
    long ModelCalls { get; }

    /// <summary>
    /// Proposes tokens that continue <paramref name="context"/>.
    /// </summary>
    /// <param name="context">
    /// The prompt and every token emitted so far. Between calls it only grows at the end: tokens
    /// the draft proposed but the target rejected are simply absent from the next context, and the
    /// session rolls its own state back to match.
    /// </param>
    /// <param name="proposal">
    /// Receives the proposed tokens; its length is the most that may be proposed. An empty span asks
    /// the draft only to catch up on the context (the generator does so for the prompt, during the
    /// prompt pass, so that a draft model's prompt processing is not paid in the first round).
    /// </param>
    /// <param name="sampler">
    /// Chooses each token a draft <em>model</em> proposes (argmax or a sample, as the generation
    /// decodes) and records its distribution for verification; a draft without a model ignores it.
    /// </param>
    /// <param name="cancellationToken">Cancels the proposal.</param>
    /// <returns>The number of tokens written to <paramref name="proposal"/>, possibly 0.</returns>
    int Propose(ReadOnlySpan<int> context, Span<int> proposal, DraftSampler sampler, CancellationToken cancellationToken = default);
}
