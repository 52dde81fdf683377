namespace FastDraft.Text.Jinja;

/// <summary><c>target is name(arguments)</c>.</summary>
internal sealed record TestExpression(int Line, int Column, JinjaExpression Target, string Name, JinjaArguments Arguments) : JinjaExpression(Line, Column);
