using System.Text;

namespace FastDraft.Internals.Streaming;

/// <summary>
/// The text side of a generation: decodes tokens as they are produced and finds stop sequences
/// that may span tokens. Text that could still begin a stop sequence is held back, and so are the
/// tokens it belongs to: when a stop sequence appears, the tokens whose text starts at or after it
/// are never released (nor counted), and the token it starts in is released with the text before it.
/// </summary>
internal sealed class TextStream(IStreamingDecoder decoder, IReadOnlyList<string> stopSequences)
{
    private readonly StringBuilder _pending = new();
    private readonly List<(int Id, TokenSource Source, int Start)> _held = [];

    /// <summary>Gets the tokens released by the last <see cref="Add"/>, in order; valid until the next call.</summary>
    public List<ReleasedToken> Released { get; } = [];

    /// <summary>Adds the next produced token and releases what can no longer be part of a stop sequence.</summary>
    /// <param name="id">The token id.</param>
    /// <param name="source">How the token was reached.</param>
    /// <param name="last">Whether the generation ends with this token (everything pending is then released).</param>
    /// <returns>Whether a stop sequence appeared: the text ends before it and nothing more is released.</returns>
    public bool Add(int id, TokenSource source, bool last)
    {
        Released.Clear();
        _held.Add((id, source, _pending.Length));
        _pending.Append(decoder.Append(id));
        if (last)
        {
            _pending.Append(decoder.Flush());
        }

        string pending = _pending.ToString();
        int stop = -1;
        foreach (string sequence in stopSequences)
        {
            int at = pending.IndexOf(sequence, StringComparison.Ordinal);
            if (at >= 0 && (stop < 0 || at < stop))
            {
                stop = at;
            }
        }

        int keep = stop >= 0 || last ? 0 : LongestStopPrefixAtEnd(pending);
        int release = stop >= 0 ? stop : pending.Length - keep;

        // Tokens whose text starts before the release point go out (all of them when nothing is held
        // back for a stop sequence, even those whose text is still an incomplete character).
        bool releaseAll = stop < 0 && keep == 0;
        int count = 0;
        while (count < _held.Count && (_held[count].Start < release || releaseAll))
        {
            count++;
        }

        int from = 0;
        for (int i = 0; i < count; i++)
        {
            int to = i + 1 < count ? Math.Min(_held[i + 1].Start, release) : release;
            Released.Add(new ReleasedToken(_held[i].Id, _held[i].Source, pending[from..to]));
            from = to;
        }

        _held.RemoveRange(0, count);
        for (int i = 0; i < _held.Count; i++)
        {
            _held[i] = _held[i] with { Start = _held[i].Start - release };
        }

        _pending.Remove(0, release);
        return stop >= 0;
    }

    /// <summary>The length of the longest end of <paramref name="text"/> that is a proper beginning of a stop sequence.</summary>
    private int LongestStopPrefixAtEnd(string text)
    {
        int longest = 0;
        foreach (string sequence in stopSequences)
        {
            for (int length = Math.Min(sequence.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(sequence.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        return longest;
    }
}
