namespace FastDraft.Text.Jinja;

/// <summary><c>if</c>/<c>elif</c>/<c>else</c>.</summary>
internal sealed record IfStatement(int Line, int Column, IReadOnlyList<(JinjaExpression Test, IReadOnlyList<JinjaStatement> Body)> Branches, IReadOnlyList<JinjaStatement> Else) : JinjaStatement(Line, Column);
