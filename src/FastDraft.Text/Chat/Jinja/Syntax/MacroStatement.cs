namespace FastDraft.Text.Jinja;

/// <summary><c>{% macro name(parameters) %}</c> … <c>{% endmacro %}</c>.</summary>
internal sealed record MacroStatement(int Line, int Column, string Name, IReadOnlyList<string> Parameters, IReadOnlyList<JinjaExpression?> Defaults, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Line, Column);
