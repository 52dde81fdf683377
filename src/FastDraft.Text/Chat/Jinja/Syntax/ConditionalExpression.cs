namespace FastDraft.Text.Jinja;

/// <summary><c>then if test else otherwise</c>; without <c>else</c>, undefined when the test fails.</summary>
internal sealed record ConditionalExpression(int Line, int Column, JinjaExpression Test, JinjaExpression Then, JinjaExpression? Else) : JinjaExpression(Line, Column);
