namespace FastDraft.Tests.Infrastructure;

/// <summary>A tokenizer with one token per character (ids are UTF-16 code units below <see cref="VocabularySize"/>; others become '?').</summary>
internal sealed class CharTokenizer : ITextTokenizer
{
    public const int VocabularySize = 0x800;

    public static string Text(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            chars[i] = (char)ids[i];
        }

        return new string(chars);
    }

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) => [.. text.Select(c => c < VocabularySize ? c : '?')];

    public string Decode(ReadOnlySpan<int> ids) => Text(ids);

    public IStreamingDecoder CreateStreamingDecoder() => new Decoder();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    private sealed class Decoder : IStreamingDecoder
    {
        public string Append(int id) => ((char)id).ToString();

        public string Flush() => string.Empty;
    }
}
