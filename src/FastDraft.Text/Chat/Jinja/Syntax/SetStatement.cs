namespace FastDraft.Text.Jinja;

/// <summary><c>{% set target = value %}</c>.</summary>
internal sealed record SetStatement(int Line, int Column, JinjaTarget Target, JinjaExpression Value) : JinjaStatement(Line, Column);
