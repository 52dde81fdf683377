namespace FastDraft.Text.Jinja;

/// <summary>
/// An error while lexing, parsing or rendering, before the template position is known; the renderer attaches the
/// position of the innermost construct and <see cref="JinjaChatTemplate"/> turns it into a <see cref="ChatTemplateException"/>.
/// </summary>
internal sealed class JinjaException : Exception
{
    public JinjaException(string message, int line = 0, int column = 0, bool raisedByTemplate = false)
        : base(message)
    {
        Line = line;
        Column = column;
        RaisedByTemplate = raisedByTemplate;
    }

    public JinjaException()
    {
    }

    public JinjaException(string message)
        : base(message)
    {
    }

    public JinjaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Line { get; private set; }

    public int Column { get; private set; }

    /// <summary>Gets a value indicating whether the template itself raised it (<c>raise_exception</c>).</summary>
    public bool RaisedByTemplate { get; }

    /// <summary>Records where the error happened, unless an inner construct already did.</summary>
    public JinjaException At(int line, int column)
    {
        if (Line == 0)
        {
            Line = line;
            Column = column;
        }

        return this;
    }
}
