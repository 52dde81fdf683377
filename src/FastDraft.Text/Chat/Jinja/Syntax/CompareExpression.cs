namespace FastDraft.Text.Jinja;

/// <summary>A chain of comparisons (<c>==</c>, <c>&lt;</c>, <c>in</c>, <c>not in</c>…), Python-style.</summary>
internal sealed record CompareExpression(int Line, int Column, JinjaExpression First, IReadOnlyList<(string Operator, JinjaExpression Operand)> Rest) : JinjaExpression(Line, Column);
