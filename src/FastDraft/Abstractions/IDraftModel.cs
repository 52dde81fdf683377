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
    /// Gets the size of the draft model's vocabulary: the number of logits it hands <see cref="DraftSampler"/> per
    /// position, and the ids it can read. It may differ from the target's (its ids must mean the same tokens as the
    /// target's, where both have them): the draft then never proposes an id beyond the target's vocabulary, and a
    /// context holding an id beyond the draft's ends drafting for that generation. <see langword="null"/> when the draft
    /// only copies tokens from the context.
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
