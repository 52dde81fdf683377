namespace FastDraft.Text.Jinja;

/// <summary><c>callee(arguments)</c>.</summary>
internal sealed record CallExpression(int Line, int Column, JinjaExpression Callee, JinjaArguments Arguments) : JinjaExpression(Line, Column);
