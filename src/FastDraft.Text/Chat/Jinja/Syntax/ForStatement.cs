namespace FastDraft.Text.Jinja;

/// <summary><c>for target in iterable [if filter]</c> … <c>else</c> … <c>endfor</c>.</summary>
internal sealed record ForStatement(int Line, int Column, JinjaTarget Target, JinjaExpression Iterable, JinjaExpression? Filter, IReadOnlyList<JinjaStatement> Body, IReadOnlyList<JinjaStatement> Else) : JinjaStatement(Line, Column);
