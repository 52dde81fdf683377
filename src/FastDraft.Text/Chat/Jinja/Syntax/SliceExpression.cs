namespace FastDraft.Text.Jinja;

/// <summary><c>start:stop:step</c> inside brackets.</summary>
internal sealed record SliceExpression(int Line, int Column, JinjaExpression? Start, JinjaExpression? Stop, JinjaExpression? Step) : JinjaExpression(Line, Column);
