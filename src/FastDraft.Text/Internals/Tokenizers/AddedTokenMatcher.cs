namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>
/// Splits text on added tokens before the model sees it, taking the leftmost and then longest
/// match, as Hugging Face tokenizers do: "&lt;s&gt;hi" is the token &lt;s&gt; then the text "hi".
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, (string Content, int Id)[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<(string Content, int Id)> tokens) =>
        _byFirstChar = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());

    public List<Segment> Split(string text)
    {
        var segments = new List<Segment>();
        int textStart = 0;
        for (int i = 0; i < text.Length;)
        {
            if (_byFirstChar.TryGetValue(text[i], out (string Content, int Id)[]? candidates))
            {
                (string Content, int Id) match = candidates.FirstOrDefault(c => text.AsSpan(i).StartsWith(c.Content, StringComparison.Ordinal));
                if (match.Content is not null)
                {
                    if (i > textStart)
                    {
                        segments.Add(new Segment(textStart, i - textStart, -1));
                    }

                    segments.Add(new Segment(i, match.Content.Length, match.Id));
                    i += match.Content.Length;
                    textStart = i;
                    continue;
                }
            }

            i++;
        }

        if (textStart < text.Length)
        {
            segments.Add(new Segment(textStart, text.Length - textStart, -1));
        }

        return segments;
    }
}
