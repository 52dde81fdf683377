using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace FastDraft.Text.Internals.Tokenizers;

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
