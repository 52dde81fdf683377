namespace FastDraft.Text.Jinja;

/// <summary>An expression, with where it starts in the template.</summary>
internal abstract record JinjaExpression(int Line, int Column);
