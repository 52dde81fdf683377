using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace FastDraft.Text.Tokenizers;

/// <summary>What happens to the text a <c>Split</c> pattern matches (Hugging Face's <c>SplitDelimiterBehavior</c>).</summary>
/// <remarks>
/// Splitting "the-final--countdown" on "-": Removed gives the, final, countdown; Isolated gives the, -, final,
/// -, -, countdown; MergedWithPrevious gives the-, final-, -, countdown; MergedWithNext gives the, -final, -,
/// -countdown; Contiguous gives the, -, final, --, countdown.
/// </remarks>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>One splitting step of a pre-tokenizer: a pattern, what to do with its matches, and whether to invert it.</summary>
internal sealed record SplitStep(Regex Pattern, SplitBehavior Behavior, bool Invert)
{
    private static readonly ConcurrentDictionary<string, Regex> Compiled = new(StringComparer.Ordinal);

    /// <summary>
    /// A compiled regex, shared between tokenizers that use the same pattern (every GPT-2-style tokenizer
    /// does); patterns past the first few dozen are interpreted rather than compiled and cached.
    /// </summary>
    public static Regex CreateRegex(string pattern)
    {
        if (Compiled.TryGetValue(pattern, out Regex? regex))
        {
            return regex;
        }

        if (Compiled.Count >= 32)
        {
            return new Regex(pattern, RegexOptions.CultureInvariant);
        }

        return Compiled.GetOrAdd(pattern, p => new Regex(p, RegexOptions.Compiled | RegexOptions.CultureInvariant));
    }
}

/// <summary>
/// Applies every step of a pre-tokenizer, in order, to every piece the previous step produced, as Hugging
/// Face tokenizers do: each step sees one piece at a time (anchors and look-arounds stop at its ends), and
/// text a pattern does not match stays in the output (only <see cref="SplitBehavior.Removed"/> drops
/// text, the matches, by definition). With no steps the whole text is one piece.
/// </summary>
/// <remarks>Stateless and safe to share between threads.</remarks>
internal sealed class SplitPreTokenizer(IReadOnlyList<SplitStep> steps) : PreTokenizer
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

        return pieces;
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
