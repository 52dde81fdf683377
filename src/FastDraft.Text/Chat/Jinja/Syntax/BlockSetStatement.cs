namespace FastDraft.Text.Jinja;

/// <summary><c>{% set target [| filter] %}</c> … <c>{% endset %}</c>: the rendered body, filtered.</summary>
internal sealed record BlockSetStatement(int Line, int Column, JinjaTarget Target, FilterExpression? Filter, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Line, Column);
