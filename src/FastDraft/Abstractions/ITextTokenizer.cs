namespace FastDraft;

/// <summary>Turns text into a model's token ids and back.</summary>
/// <remarks>Implementations are immutable and safe to use from several threads at once; each generation creates its own <see cref="IStreamingDecoder"/>.</remarks>
public interface ITextTokenizer
{
    /// <summary>Encodes text. Text of added and special tokens (such as <c>&lt;|im_end|&gt;</c>) becomes their ids.</summary>
    /// <param name="text">The text.</param>
    /// <param name="addSpecialTokens">Whether to add the tokens the tokenizer's configuration adds around a sequence (such as a beginning-of-sequence token).</param>
    /// <returns>The token ids.</returns>
    IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true);

    /// <summary>Decodes token ids into text, leaving special tokens out.</summary>
    /// <param name="ids">The token ids.</param>
    /// <returns>The text.</returns>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>Creates a decoder that turns a stream of token ids into text incrementally.</summary>
    /// <returns>A new decoder, used by one generation.</returns>
    IStreamingDecoder CreateStreamingDecoder();

    /// <summary>Returns an object of the requested type that stands behind this tokenizer (for example the Microsoft.ML.Tokenizers tokenizer), or <see langword="null"/>.</summary>
    /// <param name="serviceType">The type of object requested.</param>
    /// <param name="serviceKey">An optional key to distinguish several objects of the same type.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}
