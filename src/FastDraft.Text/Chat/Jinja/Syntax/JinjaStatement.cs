namespace FastDraft.Text.Jinja;

/// <summary>A statement (text, output, block), with where it starts in the template.</summary>
internal abstract record JinjaStatement(int Line, int Column);
