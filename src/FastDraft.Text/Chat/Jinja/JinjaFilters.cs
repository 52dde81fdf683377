using System.Globalization;
using System.Text;

namespace FastDraft.Text.Jinja;

/// <summary>
/// jinja2's built-in filters that chat templates use, with transformers' <c>tojson</c> (<c>json.dumps</c> with
/// <c>ensure_ascii=False</c>, no HTML escaping). A filter not here is an error naming it.
/// </summary>
internal static class JinjaFilters
{
    public static object? Apply(JinjaRenderer renderer, string name, object? value, List<object?> args, Dictionary<string, object?> kwargs)
    {
        object? Arg(int index, string key, object? fallback = null) => index < args.Count ? args[index] : kwargs.TryGetValue(key, out object? v) ? v : fallback;
        switch (name)
        {
            case "tojson":
                return ToJson(value, Arg(0, "ensure_ascii", false), Arg(1, "indent"), Arg(2, "separators"), Arg(3, "sort_keys", false));
            case "trim":
                string trimmed = JinjaValues.ToStr(value);
                return Arg(0, "chars") is string chars ? trimmed.Trim(chars.ToCharArray()) : trimmed.Trim(PythonText.Whitespace);
            case "length" or "count":
                return JinjaValues.Length(value);
            case "string":
                return JinjaValues.ToStr(value);
            case "safe":
                return value is string ? value : JinjaValues.ToStr(value);
            case "upper":
                return JinjaValues.ToStr(value).ToUpperInvariant();
            case "lower":
                return JinjaValues.ToStr(value).ToLowerInvariant();
            case "title":
                return Title(JinjaValues.ToStr(value));
            case "capitalize":
                return JinjaMethods.Capitalize(JinjaValues.ToStr(value));
            case "replace":
                return JinjaMethods.Replace(JinjaValues.ToStr(value), JinjaValues.ToStr(Arg(0, "old")), JinjaValues.ToStr(Arg(1, "new")), Arg(2, "count") is { } count ? JinjaValues.AsLong(count) : -1);
            case "default" or "d":
                bool boolean = JinjaValues.IsTrue(Arg(1, "boolean", false));
                return value is JinjaUndefined || (boolean && !JinjaValues.IsTrue(value)) ? Arg(0, "default_value", string.Empty) : value;
            case "join":
                IEnumerable<object?> joined = JinjaValues.Items(value);
                if (Arg(1, "attribute") is { } joinAttribute)
                {
                    joined = joined.Select(x => Attribute(x, joinAttribute));
                }

                return string.Join(JinjaValues.ToStr(Arg(0, "d", string.Empty)), joined.Select(JinjaValues.ToStr));
            case "first":
                IReadOnlyList<object?> firstItems = JinjaValues.Items(value);
                return firstItems.Count > 0 ? firstItems[0] : new JinjaUndefined("No first item, sequence was empty.");
            case "last":
                IReadOnlyList<object?> lastItems = value is JinjaUndefined u ? throw u.Fail() : JinjaValues.Items(value);
                return lastItems.Count > 0 ? lastItems[^1] : new JinjaUndefined("No last item, sequence was empty.");
            case "list":
                return new List<object?>(JinjaValues.Items(value));
            case "items":
                return value switch
                {
                    JinjaUndefined => new List<object?>(),
                    OrderedDictionary<object, object?> dict => new List<object?>(dict.Select(p => (object?)new object?[] { p.Key, p.Value })),
                    _ => throw JinjaValues.TypeError("Can only get item pairs from a mapping."),
                };
            case "map":
                return Map(renderer, value, args, kwargs);
            case "select" or "reject":
                return Select(renderer, value, args, kwargs, attribute: false, keep: name == "select");
            case "selectattr" or "rejectattr":
                return Select(renderer, value, args, kwargs, attribute: true, keep: name == "selectattr");
            case "unique":
                return Unique(value, JinjaValues.IsTrue(Arg(0, "case_sensitive", false)), Arg(1, "attribute"));
            case "sort":
                return Sort(value, JinjaValues.IsTrue(Arg(0, "reverse", false)), JinjaValues.IsTrue(Arg(1, "case_sensitive", false)), Arg(2, "attribute"));
            case "reverse":
                return value is string reversed ? string.Concat(JinjaValues.Characters(reversed).Reverse()) : new List<object?>(JinjaValues.Items(value).Reverse());
            case "int":
                return ToInt(value, Arg(0, "default", 0L), Arg(1, "base", 10L));
            case "float":
                return ToFloat(value, Arg(0, "default", 0.0));
            case "abs":
                return value switch { bool or long => (object)Math.Abs(JinjaValues.AsLong(value)), double d => Math.Abs(d), _ => throw JinjaValues.TypeError($"bad operand type for abs(): '{JinjaValues.TypeName(value)}'") };
            case "round":
                int precision = (int)JinjaValues.AsLong(Arg(0, "precision", 0L));
                string method = JinjaValues.ToStr(Arg(1, "method", "common"));
                double number = JinjaValues.AsDouble(value);
                double scale = Math.Pow(10, precision);
                return method switch
                {
                    "common" => Math.Round(number, precision, MidpointRounding.ToEven),
                    "ceil" => Math.Ceiling(number * scale) / scale,
                    "floor" => Math.Floor(number * scale) / scale,
                    _ => throw new JinjaException("FilterArgumentError: method must be common, ceil or floor"),
                };
            case "sum":
                object? total = Arg(1, "start", 0L);
                foreach (object? item in JinjaValues.Items(value))
                {
                    total = JinjaValues.Add(total, Arg(0, "attribute") is { } sumAttribute ? Attribute(item, sumAttribute) : item);
                }

                return total;
            case "min" or "max":
                List<object?> sorted = Sort(value, name == "max", JinjaValues.IsTrue(Arg(0, "case_sensitive", false)), Arg(1, "attribute"));
                return sorted.Count > 0 ? sorted[0] : new JinjaUndefined($"No aggregated item, sequence was empty.");
            case "indent":
                return Indent(JinjaValues.ToStr(value), Arg(0, "width", 4L), JinjaValues.IsTrue(Arg(1, "first", false)), JinjaValues.IsTrue(Arg(2, "blank", false)));
            case "attr":
                return JinjaAccess.Attribute(value, JinjaValues.ToStr(Arg(0, "name")));
            case "dictsort":
                return DictSort(value, JinjaValues.IsTrue(Arg(0, "case_sensitive", false)), JinjaValues.ToStr(Arg(1, "by", "key")), JinjaValues.IsTrue(Arg(2, "reverse", false)));
            case "escape" or "e":
                return JinjaValues.ToStr(value).Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
                    .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&#34;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
            case "wordcount":
                return (long)System.Text.RegularExpressions.Regex.Count(JinjaValues.ToStr(value), @"\w+");
            case "center":
                string centered = JinjaValues.ToStr(value);
                int width = (int)JinjaValues.AsLong(Arg(0, "width", 80L));
                int pad = Math.Max(0, width - centered.Length);
                int left = (pad / 2) + (pad & width & 1);
                return new string(' ', left) + centered + new string(' ', pad - left);
            default:
                throw new JinjaException($"TemplateAssertionError: No filter named '{name}' (FastDraft's chat template interpreter does not have it).");
        }
    }

    private static string Title(string s)
    {
        // jinja2's title filter: words start after spaces, dashes and opening brackets, not after every non-letter.
        var text = new StringBuilder(s.Length);
        bool start = true;
        foreach (char c in s)
        {
            bool separator = char.IsWhiteSpace(c) || c is '-' or '(' or '{' or '[' or '<';
            text.Append(separator ? c : start ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            start = separator;
        }

        return text.ToString();
    }

    private static string ToJson(object? value, object? ensureAscii, object? indent, object? separators, object? sortKeys)
    {
        if (JinjaValues.IsTrue(ensureAscii))
        {
            throw new JinjaException("tojson(ensure_ascii=True) is not supported by FastDraft's chat template interpreter");
        }

        string? indentText = indent switch
        {
            null => null,
            long n => new string(' ', (int)Math.Max(0, n)),
            string s => s,
            _ => throw JinjaValues.TypeError("indent must be an int or a string"),
        };
        (string? item, string? key) = separators switch
        {
            null => (null, null),
            IList<object?> { Count: 2 } pair => (JinjaValues.ToStr(pair[0]), JinjaValues.ToStr(pair[1])),
            _ => throw new JinjaException("ValueError: separators must be a pair of strings"),
        };
        return JinjaJson.Dumps(value, indentText, item, key, JinjaValues.IsTrue(sortKeys));
    }

    /// <summary>An attribute path as jinja2's attribute getters read it (<c>"a.b"</c>, integers as indices), through item access.</summary>
    public static object? Attribute(object? item, object? path)
    {
        if (path is not string text)
        {
            return JinjaAccess.Item(item, path);
        }

        foreach (string part in text.Split('.'))
        {
            item = JinjaAccess.Item(item, long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long index) ? index : part);
        }

        return item;
    }

    private static List<object?> Map(JinjaRenderer renderer, object? value, List<object?> args, Dictionary<string, object?> kwargs)
    {
        IReadOnlyList<object?> items = JinjaValues.Items(value);
        if (args.Count == 0 && kwargs.TryGetValue("attribute", out object? attribute))
        {
            bool hasDefault = kwargs.TryGetValue("default", out object? fallback);
            return [.. items.Select(x => Attribute(x, attribute) is JinjaUndefined && hasDefault ? fallback : Attribute(x, attribute))];
        }

        if (args.Count == 0 || args[0] is not string filter)
        {
            throw new JinjaException("FilterArgumentError: map requires a filter argument");
        }

        return [.. items.Select(x => Apply(renderer, filter, x, args[1..], kwargs))];
    }

    private static List<object?> Select(JinjaRenderer renderer, object? value, List<object?> args, Dictionary<string, object?> kwargs, bool attribute, bool keep)
    {
        int next = attribute ? 1 : 0;
        object? path = attribute ? (args.Count > 0 ? args[0] : throw new JinjaException("FilterArgumentError: Missing parameter for attribute name")) : null;
        string? test = args.Count > next ? JinjaValues.ToStr(args[next]) : null;
        List<object?> testArgs = args.Count > next + 1 ? args[(next + 1)..] : [];
        return [.. JinjaValues.Items(value).Where(item =>
        {
            object? subject = attribute ? Attribute(item, path) : item;
            bool passes = test is null ? JinjaValues.IsTrue(subject) : JinjaTests.Apply(renderer, test, subject, testArgs, kwargs);
            return passes == keep;
        })];
    }

    private static object? SortKey(object? item, bool caseSensitive, object? attribute)
    {
        object? key = attribute is null ? item : Attribute(item, attribute);
        return !caseSensitive && key is string s ? s.ToLowerInvariant() : key;
    }

    private static List<object?> Unique(object? value, bool caseSensitive, object? attribute)
    {
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (object? item in JinjaValues.Items(value))
        {
            object? key = SortKey(item, caseSensitive, attribute);
            if (!seen.Any(k => JinjaValues.AreEqual(k, key)))
            {
                seen.Add(key);
                result.Add(item);
            }
        }

        return result;
    }

    private static List<object?> Sort(object? value, bool reverse, bool caseSensitive, object? attribute)
    {
        List<object?> items = [.. JinjaValues.Items(value)];

        // Python's sort is stable; OrderBy is too.
        IOrderedEnumerable<object?> ordered = reverse
            ? items.OrderByDescending(x => SortKey(x, caseSensitive, attribute), Comparer<object?>.Create((a, b) => JinjaValues.Compare(a, b, "<")))
            : items.OrderBy(x => SortKey(x, caseSensitive, attribute), Comparer<object?>.Create((a, b) => JinjaValues.Compare(a, b, "<")));
        return [.. ordered];
    }

    private static List<object?> DictSort(object? value, bool caseSensitive, string by, bool reverse)
    {
        if (value is not OrderedDictionary<object, object?> dict)
        {
            throw JinjaValues.TypeError("dictsort needs a mapping");
        }

        int position = by == "key" ? 0 : by == "value" ? 1 : throw new JinjaException("FilterArgumentError: You can only sort by either \"key\" or \"value\"");
        var comparer = Comparer<object?>.Create((a, b) => JinjaValues.Compare(a, b, "<"));
        IEnumerable<object?[]> pairs = dict.Select(p => new object?[] { p.Key, p.Value });
        Func<object?[], object?> key = pair => SortKey(pair[position], caseSensitive, null);
        return [.. (reverse ? pairs.OrderByDescending(key, comparer) : pairs.OrderBy(key, comparer)).Cast<object?>()];
    }

    private static object? ToInt(object? value, object? fallback, object? numberBase)
    {
        try
        {
            return value switch
            {
                string s => Convert.ToInt64(s.Trim(PythonText.Whitespace).Replace("_", string.Empty, StringComparison.Ordinal), (int)JinjaValues.AsLong(numberBase)),
                bool or long => JinjaValues.AsLong(value),
                double d => (long)Math.Truncate(d),
                _ => fallback,
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return value is string s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? (long)Math.Truncate(d) : fallback;
        }
    }

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        string s when double.TryParse(s.Trim(PythonText.Whitespace), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        bool or long or double => JinjaValues.AsDouble(value),
        _ => fallback,
    };

    private static string Indent(string s, object? width, bool first, bool blank)
    {
        string indention = width is string text ? text : new string(' ', (int)JinjaValues.AsLong(width));
        List<string> lines = [.. (s + "\n").Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n')];
        lines.RemoveAt(lines.Count - 1);
        string result;
        if (blank)
        {
            result = string.Join("\n" + indention, lines);
        }
        else
        {
            result = lines[0];
            if (lines.Count > 1)
            {
                result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indention + line : line));
            }
        }

        return first ? indention + result : result;
    }
}
