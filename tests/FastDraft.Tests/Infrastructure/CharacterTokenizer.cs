namespace FastDraft.Tests.Infrastructure;

/// <summary>
/// A tokenizer with one token per character (ids are UTF-16 code units below <see cref="VocabularySize"/>; others become '?'),
/// and optional special tokens after them (ids from <see cref="VocabularySize"/> on) that only their exact text encodes to and
/// that decode to nothing, as a real tokenizer's special tokens do.
/// </summary>
internal sealed class CharacterTokenizer(params string[] specialTokens) : ITextTokenizer
{
    public const int VocabularySize = 0x800;

    public int SpecialTokenCount => specialTokens.Length;

    public static string Text(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            chars[i] = (char)ids[i];
        }

        return new string(chars);
    }

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) =>
        Array.IndexOf(specialTokens, text) is int special and >= 0 ? [VocabularySize + special] : [.. text.Select(c => c < VocabularySize ? c : '?')];

    public string Decode(ReadOnlySpan<int> ids)
    {
        int[] plain = [.. ids.ToArray().Where(id => id < VocabularySize)];
        return Text(plain);
    }

    public IStreamingDecoder CreateStreamingDecoder() => new Decoder();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    private sealed class Decoder : IStreamingDecoder
    {
        public string Append(int id) => id < VocabularySize ? ((char)id).ToString() : string.Empty;

        public string Flush() => string.Empty;
    }
}
