namespace FastDraft.Text.Jinja;

/// <summary><c>{% call[(parameters)] macro(arguments) %}</c> … <c>{% endcall %}</c>: the body is the macro's <c>caller()</c>.</summary>
internal sealed record CallBlockStatement(int Line, int Column, CallExpression Call, IReadOnlyList<string> CallerParameters, IReadOnlyList<JinjaExpression?> CallerDefaults, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Line, Column);
