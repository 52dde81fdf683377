namespace FastDraft.Text.Jinja;

/// <summary><c>(a, b)</c> or <c>a, b</c>.</summary>
internal sealed record TupleExpression(int Line, int Column, IReadOnlyList<JinjaExpression> Items) : JinjaExpression(Line, Column);
