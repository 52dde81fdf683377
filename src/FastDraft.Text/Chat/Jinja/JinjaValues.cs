using System.Globalization;
using System.Text;

namespace FastDraft.Text.Jinja;

/// <summary>
/// Python's semantics for the values a template sees: <see langword="null"/> (None), <see cref="bool"/>, <see cref="long"/>
/// (int), <see cref="double"/> (float), <see cref="string"/>, <see cref="List{T}"/> (list), <c>object?[]</c> (tuple),
/// <see cref="OrderedDictionary{TKey, TValue}"/> (dict, insertion-ordered), <see cref="JinjaUndefined"/>, and the
/// template objects (namespace, loop, function). Errors read as Python's, prefixed with the exception type.
/// </summary>
internal static class JinjaValues
{
    public static OrderedDictionary<object, object?> NewDict() => new(PythonKeyComparer.Instance);

    public static bool IsNumber(object? v) => v is bool or long or double;

    public static double AsDouble(object? v) => v switch { bool b => b ? 1 : 0, long l => l, double d => d, _ => throw TypeError($"must be real number, not {TypeName(v)}") };

    public static JinjaException TypeError(string message) => new($"TypeError: {message}");

    public static bool IsTrue(object? v) => v switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        JinjaUndefined => false,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        object?[] => "tuple",
        List<object?> => "list",
        OrderedDictionary<object, object?> => "dict",
        JinjaUndefined => "Undefined",
        JinjaNamespace => "Namespace",
        JinjaLoop => "LoopContext",
        _ => "function",
    };

    /// <summary>Python's <c>str()</c>, which is what <c>{{ … }}</c> prints.</summary>
    public static string ToStr(object? v) => v switch
    {
        string s => s,
        JinjaUndefined => string.Empty,
        _ => Repr(v),
    };

    /// <summary>Python's <c>repr()</c>, used inside containers.</summary>
    public static string Repr(object? v)
    {
        switch (v)
        {
            case null: return "None";
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return PythonText.FloatRepr(d);
            case string s: return PythonText.StringRepr(s);
            case JinjaUndefined: return string.Empty;
            case object?[] tuple: return tuple.Length == 1 ? $"({Repr(tuple[0])},)" : $"({string.Join(", ", tuple.Select(Repr))})";
            case List<object?> list: return $"[{string.Join(", ", list.Select(Repr))}]";
            case OrderedDictionary<object, object?> dict: return $"{{{string.Join(", ", dict.Select(p => $"{Repr(p.Key)}: {Repr(p.Value)}"))}}}";
            case JinjaNamespace ns: return $"<Namespace {{{string.Join(", ", ns.Attributes.Select(p => $"{Repr(p.Key)}: {Repr(p.Value)}"))}}}>";
            default: return v.ToString() ?? string.Empty;
        }
    }

    public static bool AreEqual(object? a, object? b)
    {
        if (a is JinjaUndefined || b is JinjaUndefined)
        {
            return a is JinjaUndefined && b is JinjaUndefined;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? AsDouble(a) == AsDouble(b) : AsLong(a) == AsLong(b);
        }

        return (a, b) switch
        {
            (null, null) => true,
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            (object?[] x, object?[] y) => SequenceEquals(x, y),
            (List<object?> x, List<object?> y) => SequenceEquals(x, y),
            (OrderedDictionary<object, object?> x, OrderedDictionary<object, object?> y) =>
                x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out object? other) && AreEqual(p.Value, other)),
            _ => ReferenceEquals(a, b),
        };
    }

    private static bool SequenceEquals(IList<object?> x, IList<object?> y) => x.Count == y.Count && x.Zip(y).All(p => AreEqual(p.First, p.Second));

    public static long AsLong(object? v) => v switch { bool b => b ? 1 : 0, long l => l, _ => throw TypeError($"an integer is required, not {TypeName(v)}") };

    /// <summary>Python's ordering (<c>&lt;</c> and friends): numbers, strings (by code point), and sequences of those.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (a is JinjaUndefined ua)
        {
            throw ua.Fail();
        }

        if (b is JinjaUndefined ub)
        {
            throw ub.Fail();
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? AsDouble(a).CompareTo(AsDouble(b)) : AsLong(a).CompareTo(AsLong(b));
        }

        switch (a, b)
        {
            case (string x, string y):
                return CompareCodePoints(x, y);
            case (List<object?> x, List<object?> y):
                return CompareSequences(x, y, op);
            case (object?[] x, object?[] y):
                return CompareSequences(x, y, op);
            default:
                throw TypeError($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
        }
    }

    private static int CompareCodePoints(string x, string y)
    {
        var left = x.EnumerateRunes();
        var right = y.EnumerateRunes();
        while (true)
        {
            bool hasLeft = left.MoveNext();
            bool hasRight = right.MoveNext();
            if (!hasLeft || !hasRight)
            {
                return hasLeft.CompareTo(hasRight);
            }

            int order = left.Current.Value.CompareTo(right.Current.Value);
            if (order != 0)
            {
                return order;
            }
        }
    }

    private static int CompareSequences(IList<object?> x, IList<object?> y, string op)
    {
        for (int i = 0; i < Math.Min(x.Count, y.Count); i++)
        {
            if (!AreEqual(x[i], y[i]))
            {
                return Compare(x[i], y[i], op);
            }
        }

        return x.Count.CompareTo(y.Count);
    }

    /// <summary>What a <c>for</c> loop or a filter iterates: items of a list or tuple, keys of a dict, characters of a string.</summary>
    public static IReadOnlyList<object?> Items(object? v) => v switch
    {
        List<object?> list => list,
        object?[] tuple => tuple,
        OrderedDictionary<object, object?> dict => [.. dict.Keys],
        string s => [.. Characters(s)],
        JinjaUndefined => [],
        _ => throw TypeError($"'{TypeName(v)}' object is not iterable"),
    };

    public static IEnumerable<object?> Characters(string s)
    {
        foreach (Rune rune in s.EnumerateRunes())
        {
            yield return rune.ToString();
        }
    }

    public static bool IsIterable(object? v) => v is string or List<object?> or object?[] or OrderedDictionary<object, object?> or JinjaUndefined;

    public static long Length(object? v) => v switch
    {
        string s => s.EnumerateRunes().Count(),
        System.Collections.ICollection c => c.Count,
        JinjaUndefined => 0,
        _ => throw TypeError($"object of type '{TypeName(v)}' has no len()"),
    };

    public static object? Add(object? a, object? b)
    {
        FailIfUndefined(a, b);
        return (a, b) switch
        {
            (string x, string y) => x + y,
            (List<object?> x, List<object?> y) => new List<object?>([.. x, .. y]),
            (object?[] x, object?[] y) => (object?[])[.. x, .. y],
            (string, _) => throw TypeError($"can only concatenate str (not \"{TypeName(b)}\") to str"),
            (List<object?>, _) => throw TypeError($"can only concatenate list (not \"{TypeName(b)}\") to list"),
            _ when IsNumber(a) && IsNumber(b) => a is double || b is double ? (object)(AsDouble(a) + AsDouble(b)) : AsLong(a) + AsLong(b),
            _ => throw Unsupported("+", a, b),
        };
    }

    public static object? Arithmetic(string op, object? a, object? b)
    {
        FailIfUndefined(a, b);
        bool leftSequence = a is string or List<object?> or object?[];
        bool rightSequence = b is string or List<object?> or object?[];
        if (op == "*" && ((leftSequence && b is bool or long) || (rightSequence && a is bool or long)))
        {
            (object? sequence, long count) = leftSequence ? (a, AsLong(b)) : (b, AsLong(a));
            return sequence switch
            {
                string s => string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, count))),
                object?[] t => (object?[])[.. Enumerable.Repeat(t, (int)Math.Max(0, count)).SelectMany(x => x)],
                _ => new List<object?>(Enumerable.Repeat((List<object?>)sequence!, (int)Math.Max(0, count)).SelectMany(x => x)),
            };
        }

        if (!IsNumber(a) || !IsNumber(b))
        {
            throw Unsupported(op, a, b);
        }

        bool integers = a is not double && b is not double;
        switch (op)
        {
            case "-":
                return integers ? (object)(AsLong(a) - AsLong(b)) : AsDouble(a) - AsDouble(b);
            case "*":
                return integers ? (object)(AsLong(a) * AsLong(b)) : AsDouble(a) * AsDouble(b);
            case "/":
                return AsDouble(b) == 0 ? throw new JinjaException("ZeroDivisionError: division by zero") : AsDouble(a) / AsDouble(b);
            case "//":
                if (AsDouble(b) == 0)
                {
                    throw new JinjaException("ZeroDivisionError: integer division or modulo by zero");
                }

                return integers ? (object)FloorDiv(AsLong(a), AsLong(b)) : Math.Floor(AsDouble(a) / AsDouble(b));
            case "%":
                if (AsDouble(b) == 0)
                {
                    throw new JinjaException("ZeroDivisionError: integer modulo by zero");
                }

                if (integers)
                {
                    long r = AsLong(a) % AsLong(b);
                    return r != 0 && (r < 0) != (AsLong(b) < 0) ? r + AsLong(b) : r;
                }

                double m = AsDouble(a) % AsDouble(b);
                return m != 0 && (m < 0) != (AsDouble(b) < 0) ? m + AsDouble(b) : m;
            default:
                return integers && AsLong(b) >= 0 ? (object)(long)Math.Pow(AsLong(a), AsLong(b)) : Math.Pow(AsDouble(a), AsDouble(b));
        }
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q;
    }

    private static void FailIfUndefined(object? a, object? b)
    {
        if (a is JinjaUndefined ua)
        {
            throw ua.Fail();
        }

        if (b is JinjaUndefined ub)
        {
            throw ub.Fail();
        }
    }

    private static JinjaException Unsupported(string op, object? a, object? b) =>
        TypeError($"unsupported operand type(s) for {op}: '{TypeName(a)}' and '{TypeName(b)}'");

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw TypeError($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        List<object?> or object?[] => ((IList<object?>)container).Any(x => AreEqual(x, item)),
        OrderedDictionary<object, object?> dict => item is not null && dict.ContainsKey(item),
        JinjaUndefined => false,
        _ => throw TypeError($"argument of type '{TypeName(container)}' is not iterable"),
    };

    public static object? Negate(object? v) => v switch
    {
        bool or long => (object)(-AsLong(v)),
        double d => -d,
        JinjaUndefined u => throw u.Fail(),
        _ => throw TypeError($"bad operand type for unary -: '{TypeName(v)}'"),
    };
}
