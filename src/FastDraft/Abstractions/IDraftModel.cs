namespace FastDraft;

/// <summary>
/// Something that proposes the next few tokens for the target to verify: a small language
/// model (<see cref="LanguageModelDraft"/>), or a lookup with no model behind it
/// (<see cref="NGramDraftModel"/>).
/// </summary>
/// <remarks>
/// Each generation creates its own <see cref="IDraftSession"/> and disposes it; implementations
/// must allow that from several threads at once. The generator never disposes the draft model.
/// A draft only affects speed, never the emitted tokens.
/// </remarks>
public interface IDraftModel
{
    /// <summary>
    /// Gets the size of the vocabulary the draft proposes from, which must equal the target's;
    /// <see langword="null"/> when the draft only copies tokens from the context.
    /// </summary>
    int? VocabularySize { get; }

    /// <summary>Creates the per-generation state of the draft for contexts of up to <paramref name="capacity"/> tokens.</summary>
    /// <param name="capacity">The most tokens a context passed to <see cref="IDraftSession.Propose"/> will hold.</param>
    /// <returns>A new session, owned and disposed by the caller.</returns>
    IDraftSession CreateDraftSession(int capacity);

    /// <summary>Returns an object of the requested type that stands behind this draft, or <see langword="null"/>.</summary>
    /// <param name="serviceType">The type of object requested.</param>
    /// <param name="serviceKey">An optional key to distinguish several objects of the same type.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}

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
