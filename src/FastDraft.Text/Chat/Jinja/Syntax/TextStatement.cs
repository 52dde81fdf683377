namespace FastDraft.Text.Jinja;

/// <summary>Template text, written as is.</summary>
internal sealed record TextStatement(int Line, int Column, string Text) : JinjaStatement(Line, Column);
