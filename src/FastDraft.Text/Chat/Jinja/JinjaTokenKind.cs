namespace FastDraft.Text.Jinja;

/// <summary>The kinds of token the Jinja lexer produces.</summary>
internal enum JinjaTokenKind
{
    /// <summary>Template text outside tags.</summary>
    Data,

    /// <summary><c>{{</c>.</summary>
    VariableBegin,

    /// <summary><c>}}</c>.</summary>
    VariableEnd,

    /// <summary><c>{%</c>.</summary>
    BlockBegin,

    /// <summary><c>%}</c>.</summary>
    BlockEnd,

    /// <summary>An identifier (keywords included: the parser tells them apart).</summary>
    Name,

    /// <summary>A string literal, unescaped.</summary>
    String,

    /// <summary>An integer literal.</summary>
    Integer,

    /// <summary>A float literal.</summary>
    Float,

    /// <summary>An operator or punctuation.</summary>
    Operator,

    /// <summary>The end of the template.</summary>
    End,
}
