namespace FastDraft.Text.Jinja;

/// <summary>How a body ended: normally, or at a <c>break</c> or <c>continue</c> that the enclosing loop handles.</summary>
internal enum JinjaSignal
{
    /// <summary>The body ran to its end.</summary>
    None,

    /// <summary>A <c>{% break %}</c>.</summary>
    Break,

    /// <summary>A <c>{% continue %}</c>.</summary>
    Continue,
}
