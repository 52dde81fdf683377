namespace FastDraft.Text.Jinja;

/// <summary><c>target.name</c>.</summary>
internal sealed record AttributeExpression(int Line, int Column, JinjaExpression Target, string Name) : JinjaExpression(Line, Column);
