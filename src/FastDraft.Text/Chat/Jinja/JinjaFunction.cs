namespace FastDraft.Text.Jinja;

/// <summary>A callable value: a global (<c>range</c>, <c>raise_exception</c>…), a bound string or dict method, or a macro.</summary>
internal sealed class JinjaFunction(string name, Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords) => invoke(arguments, keywords);

    public override string ToString() => $"<function {Name}>";
}
