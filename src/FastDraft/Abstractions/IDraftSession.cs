namespace FastDraft;

/// <summary>The per-generation state of a draft.</summary>
/// <remarks>
/// Used by one thread at a time; owned and disposed by whoever created it. It is rolled back as the
/// target's <see cref="IModelSession"/> is: after every verification the generator truncates both
/// to the context tokens that stay (<see cref="Truncate"/>).
/// </remarks>
public interface IDraftSession : IDisposable
{
    /// <summary>Gets the number of forward passes the draft has run so far (0 for drafts without a model).</summary>
    long ModelCalls { get; }

    /// <summary>
    /// Proposes tokens that continue <paramref name="context"/>.
    /// </summary>
    /// <param name="context">
    /// The prompt and every token emitted so far. Between calls it only grows at the end: tokens
    /// the draft proposed but the target rejected are absent from the next context, and
    /// <see cref="Truncate"/> has already rolled the session back past them.
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

    /// <summary>
    /// Rolls the session back to the first <paramref name="length"/> tokens of the context: the last context passed to
    /// <see cref="Propose"/> and the proposals the target accepted. The generator calls it after every verification, with
    /// the length it truncates the target's session to; the next context continues those tokens. A draft without state
    /// does nothing.
    /// </summary>
    /// <param name="length">The number of context tokens that stay; a session holding fewer keeps what it has.</param>
    void Truncate(int length);
}
