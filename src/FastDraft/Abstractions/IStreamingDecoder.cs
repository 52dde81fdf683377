namespace FastDraft;

/// <summary>
/// Turns token ids into text one token at a time, never releasing half a character: the
/// concatenation of everything <see cref="Append"/> and <see cref="Flush"/> return equals
/// <see cref="ITextTokenizer.Decode"/> of all the ids at once.
/// </summary>
public interface IStreamingDecoder
{
    /// <summary>Adds a token and returns the text it completes (empty while a character is still incomplete).</summary>
    /// <param name="id">The token id.</param>
    /// <returns>The newly complete text.</returns>
    string Append(int id);

    /// <summary>Returns the text still pending at the end of the stream (an incomplete character becomes U+FFFD, as in a full decode).</summary>
    /// <returns>The remaining text.</returns>
    string Flush();
}
