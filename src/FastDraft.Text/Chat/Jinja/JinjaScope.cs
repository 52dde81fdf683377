namespace FastDraft.Text.Jinja;

/// <summary>
/// Variables of one frame. As in jinja2, a <c>for</c> iteration, a macro call and a call or filter block get their own
/// frame, so a <c>set</c> inside them is not seen outside; an <c>if</c> does not.
/// </summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public JinjaScope? Parent { get; } = parent;

    public void Set(string name, object? value) => _variables[name] = value;

    public bool TryGet(string name, out object? value)
    {
        for (JinjaScope? scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }
}
