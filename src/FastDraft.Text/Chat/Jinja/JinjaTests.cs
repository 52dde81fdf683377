namespace FastDraft.Text.Jinja;

/// <summary>jinja2's tests (<c>x is defined</c>, <c>x is string</c>, <c>x is equalto y</c>…) with Python's type rules.</summary>
internal static class JinjaTests
{
    public static bool Apply(JinjaRenderer renderer, string name, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        _ = renderer;
        object? Argument() => args.Count > 0 ? args[0] : kwargs.Values.FirstOrDefault();
        return name switch
        {
            "defined" => value is not JinjaUndefined,
            "undefined" => value is JinjaUndefined,
            "none" => value is null,
            "string" => value is string,
            "mapping" => value is OrderedDictionary<object, object?>,
            "iterable" => JinjaValues.IsIterable(value),
            "sequence" => value is string or List<object?> or object?[] or OrderedDictionary<object, object?>,
            "number" => value is bool or long or double,
            "integer" => value is long,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "callable" => value is JinjaFunction,
            "odd" => JinjaValues.AsLong(value) % 2 != 0,
            "even" => JinjaValues.AsLong(value) % 2 == 0,
            "divisibleby" => JinjaValues.AsLong(value) % JinjaValues.AsLong(Argument()) == 0,
            "lower" => value is string s && string.Equals(s, s.ToLowerInvariant(), StringComparison.Ordinal),
            "upper" => value is string u && string.Equals(u, u.ToUpperInvariant(), StringComparison.Ordinal),
            "eq" or "equalto" or "==" => JinjaValues.AreEqual(value, Argument()),
            "ne" or "!=" => !JinjaValues.AreEqual(value, Argument()),
            "lt" or "lessthan" or "<" => JinjaValues.Compare(value, Argument(), "<") < 0,
            "le" or "<=" => JinjaValues.Compare(value, Argument(), "<=") <= 0,
            "gt" or "greaterthan" or ">" => JinjaValues.Compare(value, Argument(), ">") > 0,
            "ge" or ">=" => JinjaValues.Compare(value, Argument(), ">=") >= 0,
            "in" => JinjaValues.Contains(Argument(), value),
            "sameas" => ReferenceEquals(value, Argument()) || (value is null && Argument() is null) || (value is bool b && Argument() is bool c && b == c),
            _ => throw new JinjaException($"TemplateAssertionError: No test named '{name}' (FastDraft's chat template interpreter does not have it)."),
        };
    }
}
