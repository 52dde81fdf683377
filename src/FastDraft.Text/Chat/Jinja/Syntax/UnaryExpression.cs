namespace FastDraft.Text.Jinja;

/// <summary><c>not</c>, <c>-</c> or <c>+</c> applied to an operand.</summary>
internal sealed record UnaryExpression(int Line, int Column, string Operator, JinjaExpression Operand) : JinjaExpression(Line, Column);
