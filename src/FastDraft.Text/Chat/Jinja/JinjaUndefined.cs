namespace FastDraft.Text.Jinja;

/// <summary>
/// jinja2's default <c>Undefined</c>, as transformers uses it: falsy, renders empty, iterates as empty, has length 0 and
/// equals only another undefined; arithmetic, attribute and item access, calls and ordering on it fail with
/// <see cref="Description"/>.
/// </summary>
internal sealed class JinjaUndefined(string description)
{
    /// <summary>Gets what was undefined, in jinja2's words (<c>'x' is undefined</c>, <c>'dict object' has no attribute 'y'</c>).</summary>
    public string Description { get; } = description;

    public JinjaException Fail() => new($"UndefinedError: {Description}");

    public override string ToString() => string.Empty;
}
