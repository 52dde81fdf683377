namespace FastDraft.Text.Jinja;

/// <summary>A body rendered in its own scope (transformers' <c>{% generation %}</c> block).</summary>
internal sealed record ScopeStatement(int Line, int Column, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Line, Column);
