namespace FastDraft.Text.Jinja;

/// <summary><c>{% filter name %}</c> … <c>{% endfilter %}</c>.</summary>
internal sealed record FilterBlockStatement(int Line, int Column, FilterExpression Filter, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Line, Column);
