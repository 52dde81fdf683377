using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FastDraft.Text.Jinja;

/// <summary>
/// JSON in and out as Python sees it: <c>json.loads</c> (integers stay ints, numbers with a point or exponent become
/// floats, objects keep their order) and transformers' <c>tojson</c>, which is <c>json.dumps(x, ensure_ascii=False,
/// indent=…, separators=…, sort_keys=…)</c>.
/// </summary>
internal static class JinjaJson
{
    public static object? FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = JinjaValues.NewDict();
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    dict[property.Name] = FromJson(property.Value);
                }

                return dict;
            case JsonValueKind.Array:
                return new List<object?>(element.EnumerateArray().Select(FromJson));
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                string raw = element.GetRawText();
                if (raw.AsSpan().IndexOfAny(".eE") < 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
                {
                    return integer;
                }

                return double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>Python's <c>json.dumps</c> with <c>ensure_ascii=False</c>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="indent">Null for one line; otherwise the text of one indentation level.</param>
    /// <param name="itemSeparator">Between items; Python's default is <c>", "</c> on one line and <c>","</c> when indenting.</param>
    /// <param name="keySeparator">Between a key and its value (<c>": "</c> by default).</param>
    /// <param name="sortKeys">Whether to sort object keys.</param>
    public static string Dumps(object? value, string? indent, string? itemSeparator, string? keySeparator, bool sortKeys)
    {
        var text = new StringBuilder();
        Write(text, value, indent, itemSeparator ?? (indent is null ? ", " : ","), keySeparator ?? ": ", sortKeys, 0);
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, string? indent, string itemSeparator, string keySeparator, bool sortKeys, int depth)
    {
        switch (value)
        {
            case null: text.Append("null"); break;
            case bool b: text.Append(b ? "true" : "false"); break;
            case long l: text.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: text.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PythonText.FloatRepr(d)); break;
            case string s: WriteString(text, s); break;
            case List<object?> or object?[]:
                var items = (IList<object?>)value;
                WriteContainer(text, '[', ']', items.Count, indent, itemSeparator, depth, i => Write(text, items[i], indent, itemSeparator, keySeparator, sortKeys, depth + 1));
                break;
            case OrderedDictionary<object, object?> dict:
                List<KeyValuePair<object, object?>> pairs = [.. dict];
                List<string> keys = [.. pairs.Select(p => KeyText(p.Key))];
                int[] order = [.. Enumerable.Range(0, pairs.Count)];
                if (sortKeys)
                {
                    Array.Sort(order, (x, y) => string.CompareOrdinal(keys[x], keys[y]));
                }

                WriteContainer(text, '{', '}', pairs.Count, indent, itemSeparator, depth, i =>
                {
                    WriteString(text, keys[order[i]]);
                    text.Append(keySeparator);
                    Write(text, pairs[order[i]].Value, indent, itemSeparator, keySeparator, sortKeys, depth + 1);
                });
                break;
            default:
                throw JinjaValues.TypeError($"Object of type {JinjaValues.TypeName(value)} is not JSON serializable");
        }
    }

    private static string KeyText(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => PythonText.FloatRepr(d),
        _ => throw JinjaValues.TypeError($"keys must be str, int, float, bool or None, not {JinjaValues.TypeName(key)}"),
    };

    private static void WriteContainer(StringBuilder text, char open, char close, int count, string? indent, string itemSeparator, int depth, Action<int> item)
    {
        text.Append(open);
        if (count == 0)
        {
            text.Append(close);
            return;
        }

        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append(itemSeparator);
            }

            if (indent is not null)
            {
                text.Append('\n').Insert(text.Length, indent, depth + 1);
            }

            item(i);
        }

        if (indent is not null)
        {
            text.Append('\n').Insert(text.Length, indent, depth);
        }

        text.Append(close);
    }

    private static void WriteString(StringBuilder text, string s)
    {
        text.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case < ' ': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }

        text.Append('"');
    }
}
