namespace FastDraft.Text.Jinja;

/// <summary><c>{key: value}</c>.</summary>
internal sealed record DictExpression(int Line, int Column, IReadOnlyList<(JinjaExpression Key, JinjaExpression Value)> Pairs) : JinjaExpression(Line, Column);
