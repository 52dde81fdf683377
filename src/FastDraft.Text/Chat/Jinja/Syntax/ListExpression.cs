namespace FastDraft.Text.Jinja;

/// <summary><c>[a, b]</c>.</summary>
internal sealed record ListExpression(int Line, int Column, IReadOnlyList<JinjaExpression> Items) : JinjaExpression(Line, Column);
