namespace FastDraft.Tests.Infrastructure;

/// <summary>A tokenizer of 26 tokens, one per letter: id i is the letter 'a' + i.</summary>
internal sealed class LetterTokenizer : ITextTokenizer
{
    public const int VocabularySize = 26;

    public static string Text(IEnumerable<int> ids) => string.Concat(ids.Select(id => (char)('a' + id)));

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) => [.. text.Select(c => c - 'a')];

    public string Decode(ReadOnlySpan<int> ids) => Text(ids.ToArray());

    public IStreamingDecoder CreateStreamingDecoder() => new Decoder();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    private sealed class Decoder : IStreamingDecoder
    {
        public string Append(int id) => Text([id]);

        public string Flush() => string.Empty;
    }
}
