namespace FastDraft;

/// <summary>
/// A model's files are malformed or inconsistent: a configuration that does not parse, a graph
/// that lacks an input the configuration names, shapes that disagree.
/// </summary>
public sealed class InvalidModelException : Exception
{
    /// <summary>Initializes a new instance with no message.</summary>
    public InvalidModelException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, naming the file, input or number at fault.</param>
    public InvalidModelException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that revealed the problem.</summary>
    /// <param name="message">What is wrong, naming the file, input or number at fault.</param>
    /// <param name="innerException">The error that revealed the problem.</param>
    public InvalidModelException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance naming the file at fault.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="path">The file or folder at fault.</param>
    /// <param name="innerException">The error that revealed the problem, if any.</param>
    public InvalidModelException(string message, string? path, Exception? innerException = null)
        : base(message, innerException) => Path = path;

    /// <summary>Gets the file or folder at fault, when known.</summary>
    public string? Path { get; }
}
