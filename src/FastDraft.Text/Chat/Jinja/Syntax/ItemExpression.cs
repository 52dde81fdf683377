namespace FastDraft.Text.Jinja;

/// <summary><c>target[index]</c>; the index may be a <see cref="SliceExpression"/>.</summary>
internal sealed record ItemExpression(int Line, int Column, JinjaExpression Target, JinjaExpression Index) : JinjaExpression(Line, Column);
