namespace FastDraft.Training;

/// <summary>A checkpoint file is damaged, truncated, of an unknown version, or was written for a different model or options.</summary>
public sealed class InvalidCheckpointException : IOException
{
    /// <summary>Initializes an exception with a message.</summary>
    public InvalidCheckpointException()
        : this("The checkpoint is invalid.")
    {
    }

    /// <summary>Initializes an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public InvalidCheckpointException(string message)
        : base(message)
    {
        FilePath = string.Empty;
    }

    /// <summary>Initializes an exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidCheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = string.Empty;
    }

    /// <summary>Initializes an exception naming the file.</summary>
    /// <param name="filePath">The checkpoint's path.</param>
    /// <param name="reason">What is wrong with it.</param>
    /// <param name="innerException">The cause, if any.</param>
    public InvalidCheckpointException(string filePath, string reason, Exception? innerException = null)
        : base($"Checkpoint '{filePath}' is invalid: {reason}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>Gets the checkpoint's path (empty when not known).</summary>
    public string FilePath { get; }
}
