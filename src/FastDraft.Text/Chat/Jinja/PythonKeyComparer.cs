namespace FastDraft.Text.Jinja;

/// <summary>Dict key equality as Python's: <c>1</c>, <c>1.0</c> and <c>True</c> are one key; lists and dicts cannot be keys.</summary>
internal sealed class PythonKeyComparer : IEqualityComparer<object>
{
    public static readonly PythonKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => JinjaValues.AreEqual(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        string s => StringComparer.Ordinal.GetHashCode(s),
        bool or long or double => JinjaValues.AsDouble(obj).GetHashCode(),
        object?[] tuple => tuple.Aggregate(17, (h, item) => HashCode.Combine(h, item is null ? 0 : GetHashCode(item))),
        List<object?> or OrderedDictionary<object, object?> => throw JinjaValues.TypeError($"unhashable type: '{JinjaValues.TypeName(obj)}'"),
        _ => obj.GetHashCode(),
    };
}
