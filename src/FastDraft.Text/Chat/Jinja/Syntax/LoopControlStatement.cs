namespace FastDraft.Text.Jinja;

/// <summary><c>{% break %}</c> or <c>{% continue %}</c>.</summary>
internal sealed record LoopControlStatement(int Line, int Column, bool IsBreak) : JinjaStatement(Line, Column);
