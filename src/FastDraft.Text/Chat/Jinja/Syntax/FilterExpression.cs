namespace FastDraft.Text.Jinja;

/// <summary><c>target | name(arguments)</c>; no target inside a filter block.</summary>
internal sealed record FilterExpression(int Line, int Column, JinjaExpression? Target, string Name, JinjaArguments Arguments) : JinjaExpression(Line, Column);
