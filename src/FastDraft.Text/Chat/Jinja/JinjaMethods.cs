using System.Globalization;
using System.Text;

namespace FastDraft.Text.Jinja;

/// <summary>The Python methods of strings, dicts and lists that templates call (<c>content.strip()</c>, <c>message.get('x')</c>…).</summary>
internal static class JinjaMethods
{
    /// <summary>The method <paramref name="name"/> of <paramref name="target"/> bound to it, or <see langword="null"/> when it has none.</summary>
    public static JinjaFunction? Bind(object? target, string name)
    {
        Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?>? method = target switch
        {
            string s => StringMethod(s, name),
            OrderedDictionary<object, object?> dict => DictMethod(dict, name),
            List<object?> or object?[] => ListMethod((IList<object?>)target, name),
            _ => null,
        };
        return method is null ? null : new JinjaFunction($"{JinjaValues.TypeName(target)}.{name}", method);
    }

    private static object? Arg(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs, int index, string name, object? fallback = null) =>
        index < args.Count ? args[index] : kwargs.TryGetValue(name, out object? value) ? value : fallback;

    private static string? Chars(object? value) => value switch
    {
        null => null,
        string s => s,
        _ => throw JinjaValues.TypeError($"strip arg must be None or str, not {JinjaValues.TypeName(value)}"),
    };

    private static Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?>? StringMethod(string s, string name) => name switch
    {
        "strip" => (a, k) => Chars(Arg(a, k, 0, "chars")) is { } c ? s.Trim(c.ToCharArray()) : s.Trim(PythonText.Whitespace),
        "lstrip" => (a, k) => Chars(Arg(a, k, 0, "chars")) is { } c ? s.TrimStart(c.ToCharArray()) : s.TrimStart(PythonText.Whitespace),
        "rstrip" => (a, k) => Chars(Arg(a, k, 0, "chars")) is { } c ? s.TrimEnd(c.ToCharArray()) : s.TrimEnd(PythonText.Whitespace),
        "split" => (a, k) => Split(s, Arg(a, k, 0, "sep"), Arg(a, k, 1, "maxsplit", -1L)),
        "rsplit" => (a, k) => RightSplit(s, Arg(a, k, 0, "sep"), Arg(a, k, 1, "maxsplit", -1L)),
        "splitlines" => (_, _) => new List<object?>(s.Split('\n').Select(line => (object?)line.TrimEnd('\r')).SkipLast(s.EndsWith('\n') ? 1 : 0)),
        "startswith" => (a, k) => Affix(Arg(a, k, 0, "prefix"), p => s.StartsWith(p, StringComparison.Ordinal)),
        "endswith" => (a, k) => Affix(Arg(a, k, 0, "suffix"), p => s.EndsWith(p, StringComparison.Ordinal)),
        "upper" => (_, _) => s.ToUpperInvariant(),
        "lower" => (_, _) => s.ToLowerInvariant(),
        "title" => (_, _) => Title(s),
        "capitalize" => (_, _) => Capitalize(s),
        "replace" => (a, k) => Replace(s, Text(Arg(a, k, 0, "old")), Text(Arg(a, k, 1, "new")), JinjaValues.AsLong(Arg(a, k, 2, "count", -1L))),
        "find" => (a, k) => (long)s.IndexOf(Text(Arg(a, k, 0, "sub")), StringComparison.Ordinal),
        "rfind" => (a, k) => (long)s.LastIndexOf(Text(Arg(a, k, 0, "sub")), StringComparison.Ordinal),
        "count" => (a, k) => (long)Count(s, Text(Arg(a, k, 0, "sub"))),
        "join" => (a, k) => string.Join(s, JinjaValues.Items(Arg(a, k, 0, "iterable")).Select(x => x as string ?? throw JinjaValues.TypeError($"sequence item: expected str instance, {JinjaValues.TypeName(x)} found"))),
        "isdigit" => (_, _) => s.Length > 0 && s.All(char.IsDigit),
        "isalpha" => (_, _) => s.Length > 0 && s.All(char.IsLetter),
        "isalnum" => (_, _) => s.Length > 0 && s.All(char.IsLetterOrDigit),
        "isspace" => (_, _) => s.Length > 0 && s.All(char.IsWhiteSpace),
        "isupper" => (_, _) => s.Any(char.IsLetter) && !s.Any(char.IsLower),
        "islower" => (_, _) => s.Any(char.IsLetter) && !s.Any(char.IsUpper),
        _ => null,
    };

    private static Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?>? DictMethod(OrderedDictionary<object, object?> dict, string name) => name switch
    {
        "items" => (_, _) => new List<object?>(dict.Select(p => (object?)new object?[] { p.Key, p.Value })),
        "keys" => (_, _) => new List<object?>(dict.Keys),
        "values" => (_, _) => new List<object?>(dict.Values),
        "get" => (a, k) => Arg(a, k, 0, "key") is { } key and not JinjaUndefined && dict.TryGetValue(key, out object? value) ? value : Arg(a, k, 1, "default"),
        _ => null,
    };

    private static Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?>? ListMethod(IList<object?> list, string name) => name switch
    {
        "index" => (a, k) => IndexOf(list, Arg(a, k, 0, "value")) is int i and >= 0
            ? (long)i : throw new JinjaException($"ValueError: {JinjaValues.Repr(Arg(a, k, 0, "value"))} is not in list"),
        "count" => (a, k) => (long)list.Count(x => JinjaValues.AreEqual(x, Arg(a, k, 0, "value"))),
        _ => null,
    };

    private static int IndexOf(IList<object?> list, object? value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (JinjaValues.AreEqual(list[i], value))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Text(object? value) => value as string ?? throw JinjaValues.TypeError($"must be str, not {JinjaValues.TypeName(value)}");

    private static bool Affix(object? affix, Func<string, bool> test) => affix switch
    {
        string s => test(s),
        object?[] tuple => tuple.Any(x => test(Text(x))),
        _ => throw JinjaValues.TypeError($"startswith first arg must be str or a tuple of str, not {JinjaValues.TypeName(affix)}"),
    };

    private static int Count(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return s.Length + 1;
        }

        int count = 0;
        for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            return old.Length == 0 ? string.Join(replacement, ["", .. JinjaValues.Characters(s).Cast<string>(), ""]) : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var text = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            int at = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (at < 0 || old.Length == 0)
            {
                break;
            }

            text.Append(s, pos, at - pos).Append(replacement);
            pos = at + old.Length;
        }

        return text.Append(s, pos, s.Length - pos).ToString();
    }

    /// <summary>Python's <c>str.split</c>: on runs of whitespace without a separator, else on the exact separator.</summary>
    public static List<object?> Split(string s, object? separator, object? maxSplit)
    {
        long max = JinjaValues.AsLong(maxSplit);
        var parts = new List<object?>();
        if (separator is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && PythonText.Whitespace.Contains(s[i]))
                {
                    i++;
                }

                if (i >= s.Length)
                {
                    return parts;
                }

                if (max >= 0 && parts.Count >= max)
                {
                    parts.Add(s[i..].TrimEnd(PythonText.Whitespace));
                    return parts;
                }

                int start = i;
                while (i < s.Length && !PythonText.Whitespace.Contains(s[i]))
                {
                    i++;
                }

                parts.Add(s[start..i]);
            }
        }

        string sep = Text(separator);
        if (sep.Length == 0)
        {
            throw new JinjaException("ValueError: empty separator");
        }

        int pos = 0;
        while (max < 0 || parts.Count < max)
        {
            int at = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            parts.Add(s[pos..at]);
            pos = at + sep.Length;
        }

        parts.Add(s[pos..]);
        return parts;
    }

    private static List<object?> RightSplit(string s, object? separator, object? maxSplit)
    {
        long max = JinjaValues.AsLong(maxSplit);
        if (max < 0 || separator is null)
        {
            return max < 0 ? Split(s, separator, -1L) : throw new JinjaException("rsplit with a limit and no separator is not supported by FastDraft's chat template interpreter");
        }

        string sep = Text(separator);
        var parts = new List<object?>();
        int end = s.Length;
        while (parts.Count < max)
        {
            int at = end - sep.Length < 0 ? -1 : s.LastIndexOf(sep, end - 1, StringComparison.Ordinal);
            if (at < 0 || at + sep.Length > end)
            {
                break;
            }

            parts.Insert(0, s[(at + sep.Length)..end]);
            end = at;
        }

        parts.Insert(0, s[..end]);
        return parts;
    }

    /// <summary>Python's <c>str.title()</c>: a cased letter after an uncased character starts a word.</summary>
    public static string Title(string s)
    {
        var text = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            text.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c) && (char.IsUpper(c) || char.IsLower(c) || char.ToUpperInvariant(c) != char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]).ToString(CultureInfo.InvariantCulture) + s[1..].ToLowerInvariant();
}
