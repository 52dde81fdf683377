namespace FastDraft.Text;

/// <summary>
/// A chat template could not be parsed or rendered: a syntax error, a construct FastDraft's interpreter does not have,
/// an operation the template's values do not allow (as Python would raise), or the template's own
/// <c>raise_exception(…)</c> (see <see cref="IsRaisedByTemplate"/>). The message names the problem and the position.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    /// <summary>Initializes an exception for a template error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="line">The 1-based line in the template, or 0 when unknown.</param>
    /// <param name="column">The 1-based column in the template, or 0 when unknown.</param>
    /// <param name="isRaisedByTemplate">Whether the template raised it with <c>raise_exception</c>.</param>
    public ChatTemplateException(string message, int line, int column, bool isRaisedByTemplate)
        : base(line > 0 ? $"{message} (chat template line {line}, column {column})" : message)
    {
        TemplateMessage = message;
        Line = line;
        Column = column;
        IsRaisedByTemplate = isRaisedByTemplate;
    }

    /// <summary>Initializes an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ChatTemplateException(string message)
        : this(message, 0, 0, false)
    {
    }

    /// <summary>Initializes an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ChatTemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
        TemplateMessage = message;
    }

    /// <summary>Initializes an exception without a message.</summary>
    public ChatTemplateException()
        : this("The chat template could not be rendered.")
    {
    }

    /// <summary>Gets the message without the position: for <see cref="IsRaisedByTemplate"/>, exactly what the template raised.</summary>
    public string TemplateMessage { get; } = string.Empty;

    /// <summary>Gets the 1-based line in the template where the error happened, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>Gets the 1-based column in the template where the error happened, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>Gets a value indicating whether the template itself refused the input with <c>raise_exception(message)</c> (for example, a system message a model does not support).</summary>
    public bool IsRaisedByTemplate { get; }
}
