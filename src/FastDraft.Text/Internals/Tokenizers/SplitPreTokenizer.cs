using System.Buffers;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>
/// Applies every step of a pre-tokenizer, in order, to every piece the previous step produced, as Hugging
/// Face tokenizers do: each step sees one piece at a time (anchors and look-arounds stop at its ends), and
/// text a pattern does not match stays in the output (only <see cref="SplitBehavior.Removed"/> drops
/// text, the matches, by definition). With no steps the whole text is one piece.
/// </summary>
/// <remarks>
/// Stateless and safe to share between threads. With <paramref name="joinable"/>, every piece is also cut around
/// each character outside that set (see <see cref="JoinableCharacters"/>): such a character is in no vocabulary
/// token longer than itself, so no merge crosses it and the cut changes no token, while the BPE model, whose cost
/// grows faster than linearly with a piece's length, sees lines instead of whole files when a tokenizer has no
/// pre-tokenizer (Llama 2's tokenizer.json: newline is such a character).
/// </remarks>
internal sealed class SplitPreTokenizer(IReadOnlyList<SplitStep> steps, SearchValues<char>? joinable = null) : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text ?? string.Empty);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    /// <summary>The pieces of <paramref name="text"/>, as offsets and lengths, in order, none empty.</summary>
    public List<(int Offset, int Length)> Split(string text)
    {
        var pieces = new List<(int Offset, int Length)>();
        if (text.Length > 0)
        {
            pieces.Add((0, text.Length));
        }

        var parts = new List<Part>();
        foreach (SplitStep step in steps)
        {
            var next = new List<(int Offset, int Length)>(pieces.Count);
            foreach ((int offset, int length) in pieces)
            {
                parts.Clear();
                FindParts(text, offset, length, step, parts);
                Emit(Group(parts, step.Behavior), step.Behavior, next);
            }

            pieces = next;
        }

        return joinable is null ? pieces : CutAtBarriers(text, pieces, joinable);
    }

    /// <summary>
    /// The characters a BPE vocabulary can join with a neighbour: every character of every token longer than one
    /// character, and every surrogate (a pair is never cut). <see langword="null"/> when a cut could change the
    /// tokens: byte-level models (the model sees a byte alphabet, not these characters), and models that mark
    /// word-internal or word-final pieces (a cut would add word boundaries).
    /// </summary>
    public static SearchValues<char>? JoinableCharacters(IEnumerable<string> vocabulary, bool byteLevel, string? continuingSubwordPrefix, string? endOfWordSuffix)
    {
        if (byteLevel || continuingSubwordPrefix is not null || endOfWordSuffix is not null)
        {
            return null;
        }

        var joinable = new HashSet<char>();
        for (int c = 0xD800; c <= 0xDFFF; c++)
        {
            joinable.Add((char)c);
        }

        foreach (string token in vocabulary)
        {
            if (token.Length > 1)
            {
                joinable.UnionWith(token);
            }
        }

        return SearchValues.Create([.. joinable]);
    }

    /// <summary>Cuts each piece before and after every character outside <paramref name="joinable"/>.</summary>
    private static List<(int Offset, int Length)> CutAtBarriers(string text, List<(int Offset, int Length)> pieces, SearchValues<char> joinable)
    {
        var cut = new List<(int Offset, int Length)>(pieces.Count);
        foreach ((int offset, int length) in pieces)
        {
            int start = offset;
            int end = offset + length;
            while (start < end)
            {
                int barrier = text.AsSpan(start, end - start).IndexOfAnyExcept(joinable);
                if (barrier < 0)
                {
                    cut.Add((start, end - start));
                    break;
                }

                if (barrier > 0)
                {
                    cut.Add((start, barrier));
                }

                cut.Add((start + barrier, 1));
                start += barrier + 1;
            }
        }

        return cut;
    }

    /// <summary>The piece cut into matches and the text between them, in order, covering it whole.</summary>
    private static void FindParts(string text, int offset, int length, SplitStep step, List<Part> parts)
    {
        int previous = offset;
        for (Match match = step.Pattern.Match(text, offset, length); match.Success; match = match.NextMatch())
        {
            if (match.Index > previous)
            {
                parts.Add(new Part(previous, match.Index, IsMatch: step.Invert));
            }

            parts.Add(new Part(match.Index, match.Index + match.Length, IsMatch: !step.Invert));
            previous = match.Index + match.Length;
        }

        if (previous < offset + length)
        {
            parts.Add(new Part(previous, offset + length, IsMatch: step.Invert));
        }
    }

    private static List<Part> Group(List<Part> parts, SplitBehavior behavior)
    {
        var groups = new List<Part>(parts.Count);
        bool previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
            case SplitBehavior.Isolated:
                groups.AddRange(parts);
                break;
            case SplitBehavior.Contiguous:
                foreach (Part part in parts)
                {
                    if (groups.Count > 0 && part.IsMatch == previousMatch)
                    {
                        groups[^1] = groups[^1] with { End = part.End };
                    }
                    else
                    {
                        groups.Add(part);
                    }

                    previousMatch = part.IsMatch;
                }

                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (Part part in parts)
                {
                    if (groups.Count > 0 && part.IsMatch && !previousMatch)
                    {
                        groups[^1] = groups[^1] with { End = part.End };
                    }
                    else
                    {
                        groups.Add(part);
                    }

                    previousMatch = part.IsMatch;
                }

                break;
            default: // MergedWithNext: the mirror image, walked from the end
                for (int i = parts.Count - 1; i >= 0; i--)
                {
                    Part part = parts[i];
                    if (groups.Count > 0 && part.IsMatch && !previousMatch)
                    {
                        groups[^1] = groups[^1] with { Start = part.Start };
                    }
                    else
                    {
                        groups.Add(part);
                    }

                    previousMatch = part.IsMatch;
                }

                groups.Reverse();
                break;
        }

        return groups;
    }

    private static void Emit(List<Part> groups, SplitBehavior behavior, List<(int Offset, int Length)> output)
    {
        foreach (Part group in groups)
        {
            // Only Removed drops matches; empty pieces (from empty matches) carry no text.
            if (group.End > group.Start && !(behavior == SplitBehavior.Removed && group.IsMatch))
            {
                output.Add((group.Start, group.End - group.Start));
            }
        }
    }

    private readonly record struct Part(int Start, int End, bool IsMatch);
}
