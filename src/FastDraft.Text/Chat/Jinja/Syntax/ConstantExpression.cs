namespace FastDraft.Text.Jinja;

/// <summary>A literal: string, number, boolean or none.</summary>
internal sealed record ConstantExpression(int Line, int Column, object? Value) : JinjaExpression(Line, Column);
