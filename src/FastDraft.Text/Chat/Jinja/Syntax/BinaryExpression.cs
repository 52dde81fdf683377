namespace FastDraft.Text.Jinja;

/// <summary>Arithmetic, <c>~</c>, <c>and</c>, <c>or</c>.</summary>
internal sealed record BinaryExpression(int Line, int Column, string Operator, JinjaExpression Left, JinjaExpression Right) : JinjaExpression(Line, Column);
