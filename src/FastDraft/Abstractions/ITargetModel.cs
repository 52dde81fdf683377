namespace FastDraft;

/// <summary>
/// A causal language model that scores tokens: the target of speculative decoding, or a
/// model decoding on its own.
/// </summary>
/// <remarks>
/// <para>
/// The model holds the weights; every generation creates its own <see cref="IModelSession"/>
/// (key/value cache and buffers) with <see cref="CreateSession"/> and disposes it when the
/// generation ends. Implementations must therefore allow <see cref="CreateSession"/> and the
/// sessions it returns to be used from several threads at once, one thread per session.
/// </para>
/// <para>
/// <see cref="SpeculativeGenerator"/> never disposes a model: whoever created it does, after
/// every generation that uses it has finished. Any <see cref="ITargetModel"/> can also serve as
/// a draft through <see cref="LanguageModelDraft"/>.
/// </para>
/// </remarks>
public interface ITargetModel
{
    /// <summary>Gets what the generator needs to know about the model: vocabulary, context length, stop tokens, capabilities.</summary>
    ModelInfo Info { get; }

    /// <summary>Creates the per-generation state of the model (its key/value cache) for up to <paramref name="capacity"/> tokens.</summary>
    /// <param name="capacity">The most tokens the session will ever hold (prompt plus generated tokens).</param>
    /// <returns>A new session, owned and disposed by the caller.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1 or beyond <see cref="ModelInfo.ContextLength"/>.</exception>
    IModelSession CreateSession(int capacity);

    /// <summary>Returns an object of the requested type that stands behind this model (for example the ONNX Runtime session), or <see langword="null"/>.</summary>
    /// <param name="serviceType">The type of object requested.</param>
    /// <param name="serviceKey">An optional key to distinguish several objects of the same type.</param>
    /// <returns>The object, or <see langword="null"/> when the model has none of that type.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}
