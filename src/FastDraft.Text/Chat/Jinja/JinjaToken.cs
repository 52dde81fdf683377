namespace FastDraft.Text.Jinja;

/// <summary>A token with its text (strings unescaped) and where it starts in the template.</summary>
internal readonly record struct JinjaToken(JinjaTokenKind Kind, string Text, int Line, int Column)
{
    public bool Is(JinjaTokenKind kind, string text) => Kind == kind && Text == text;

    public bool IsName(string name) => Kind == JinjaTokenKind.Name && Text == name;

    public bool IsOperator(string op) => Kind == JinjaTokenKind.Operator && Text == op;
}
