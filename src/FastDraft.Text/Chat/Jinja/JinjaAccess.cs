namespace FastDraft.Text.Jinja;

/// <summary>
/// Attribute access (<c>x.name</c>), item access (<c>x[key]</c>) and slices, as jinja2's immutable sandbox does them:
/// an attribute that is not a method falls back to the item and an item that is not there falls back to the attribute;
/// what neither finds is undefined; methods that would change a list or dict are refused.
/// </summary>
internal static class JinjaAccess
{
    private static readonly HashSet<string> MutatingMethods = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear", "update", "popitem", "setdefault"];

    public static object? Attribute(object? target, string name)
    {
        switch (target)
        {
            case JinjaUndefined undefined:
                throw undefined.Fail();
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out object? value) ? value : Missing(target, name);
            case JinjaLoop loop:
                return loop.Attribute(name);
        }

        if (JinjaMethods.Bind(target, name) is { } method)
        {
            return method;
        }

        if (target is List<object?> or OrderedDictionary<object, object?> && MutatingMethods.Contains(name))
        {
            throw new JinjaException($"SecurityError: access to attribute '{name}' of '{JinjaValues.TypeName(target)}' object is unsafe.");
        }

        return target is OrderedDictionary<object, object?> dict && dict.TryGetValue(name, out object? item) ? item : Missing(target, name);
    }

    public static object? Item(object? target, object? key)
    {
        switch (target)
        {
            case JinjaUndefined undefined:
                throw undefined.Fail();
            case OrderedDictionary<object, object?> dict when key is not null and not JinjaUndefined && dict.TryGetValue(key, out object? value):
                return value;
            case List<object?> or object?[] or string when key is bool or long:
                long index = JinjaValues.AsLong(key);
                IReadOnlyList<object?> items = target is string s ? [.. JinjaValues.Characters(s)] : (IReadOnlyList<object?>)target;
                long at = index < 0 ? index + items.Count : index;
                return at >= 0 && at < items.Count ? items[(int)at] : new JinjaUndefined($"'{TypeRepr(target)}' has no element {index}");
        }

        if (key is string name && target is not null)
        {
            return target is JinjaNamespace or JinjaLoop ? Attribute(target, name) : (object?)JinjaMethods.Bind(target, name) ?? Missing(target, name);
        }

        return new JinjaUndefined($"'{TypeRepr(target)}' has no element {JinjaValues.Repr(key)}");
    }

    private static JinjaUndefined Missing(object? target, string name) => new($"'{TypeRepr(target)}' has no attribute '{name}'");

    private static string TypeRepr(object? target) => target is null ? "None" : $"{JinjaValues.TypeName(target)} object";

    /// <summary>Python's <c>sequence[start:stop:step]</c> on a list, tuple or string.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is JinjaUndefined undefined)
        {
            throw undefined.Fail();
        }

        IReadOnlyList<object?> items = target switch
        {
            string s => [.. JinjaValues.Characters(s)],
            List<object?> list => list,
            object?[] tuple => tuple,
            _ => throw JinjaValues.TypeError($"'{JinjaValues.TypeName(target)}' object is not subscriptable"),
        };

        long n = items.Count;
        long by = step is null ? 1 : JinjaValues.AsLong(step);
        if (by == 0)
        {
            throw new JinjaException("ValueError: slice step cannot be zero");
        }

        long Bound(object? value, long fallback, long low, long high)
        {
            if (value is null)
            {
                return fallback;
            }

            long v = JinjaValues.AsLong(value);
            v = v < 0 ? v + n : v;
            return Math.Clamp(v, low, high);
        }

        var picked = new List<object?>();
        if (by > 0)
        {
            for (long i = Bound(start, 0, 0, n), end = Bound(stop, n, 0, n); i < end; i += by)
            {
                picked.Add(items[(int)i]);
            }
        }
        else
        {
            for (long i = Bound(start, n - 1, -1, n - 1), end = Bound(stop, -1, -1, n - 1); i > end; i += by)
            {
                picked.Add(items[(int)i]);
            }
        }

        return target switch
        {
            string => string.Concat(picked.Cast<string>()),
            object?[] => picked.ToArray(),
            _ => picked,
        };
    }
}
