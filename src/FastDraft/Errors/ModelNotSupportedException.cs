namespace FastDraft;

/// <summary>
/// A well-formed model cannot be used the way it was asked to be: a target whose graph cannot
/// score several tokens after a cache, a model whose state cannot be rolled back, an execution
/// provider this build of the runtime lacks.
/// </summary>
public sealed class ModelNotSupportedException : NotSupportedException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public ModelNotSupportedException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is not supported and why, naming the model, input or provider.</param>
    public ModelNotSupportedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that revealed the problem.</summary>
    /// <param name="message">What is not supported and why.</param>
    /// <param name="innerException">The error that revealed the problem.</param>
    public ModelNotSupportedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
