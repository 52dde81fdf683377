namespace FastDraft.Text.Jinja;

/// <summary>A variable.</summary>
internal sealed record NameExpression(int Line, int Column, string Name) : JinjaExpression(Line, Column);
