namespace FastDraft.Text.Jinja;

/// <summary><c>{{ expression }}</c>.</summary>
internal sealed record OutputStatement(int Line, int Column, JinjaExpression Expression) : JinjaStatement(Line, Column);
