namespace FastDraft;

/// <summary>
/// A generation cannot choose its next token: the processed distribution at some step has no
/// token left (a logits processor masked every one) or is not a distribution at all (the model
/// produced NaN or infinite logits). Thrown by the token stream instead of emitting an id that is
/// not in the vocabulary.
/// </summary>
/// <remarks>
/// Options that make every distribution degenerate (a temperature or penalty so extreme that the
/// arithmetic overflows) are refused when the request is made, with
/// <see cref="ArgumentOutOfRangeException"/>; this exception is for what only shows during the
/// generation. The message names the model (target or draft), the step and the cause. Derives from
/// <see cref="InvalidOperationException"/>: the generation is over, its sessions are released, and
/// retrying the same request gives the same failure.
/// </remarks>
public sealed class GenerationException : InvalidOperationException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public GenerationException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong, naming the step and the cause.</param>
    public GenerationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that revealed the problem.</summary>
    /// <param name="message">What went wrong, naming the step and the cause.</param>
    /// <param name="innerException">The error that revealed the problem.</param>
    public GenerationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance naming the step at fault.</summary>
    /// <param name="message">What went wrong, naming the step and the cause.</param>
    /// <param name="position">The context position (prompt tokens included) of the token that could not be chosen.</param>
    /// <param name="tokenIndex">The index of that token among the generated ones (0 for the first).</param>
    public GenerationException(string message, int position, int tokenIndex)
        : base(message)
    {
        Position = position;
        TokenIndex = tokenIndex;
    }

    /// <summary>Gets the context position (prompt tokens included) of the token that could not be chosen, or -1 when unknown.</summary>
    public int Position { get; } = -1;

    /// <summary>Gets the index among the generated tokens (0 for the first) of the token that could not be chosen, or -1 when unknown.</summary>
    public int TokenIndex { get; } = -1;
}
