namespace FastDraft.Text.Jinja;

/// <summary>The object <c>namespace(...)</c> returns: attributes that <c>{% set ns.name = … %}</c> may change from inner scopes.</summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}
