namespace FastDraft;

/// <summary>Options for one generation request.</summary>
public sealed record GenerationOptions
{
    /// <summary>Gets the default options.</summary>
    public static GenerationOptions Default { get; } = new();

    /// <summary>Gets the most tokens to generate; at least 1, default 128.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>
    /// Gets extra token ids that end the generation, beside the model's end-of-sequence ids. The
    /// stop token itself is emitted as the last token.
    /// </summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    /// <summary>
    /// Gets a value indicating whether the model's end-of-sequence ids
    /// (<see cref="ModelInfo.EndOfSequenceTokenIds"/>) are ignored, so that the generation runs to
    /// <see cref="MaxNewTokens"/> unless a <see cref="StopTokenIds"/> entry appears.
    /// </summary>
    public bool IgnoreEndOfSequence { get; init; }

    internal void Validate(ModelInfo target, int promptLength, string paramName)
    {
        if (MaxNewTokens < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, MaxNewTokens, "MaxNewTokens must be at least 1.");
        }

        if ((long)promptLength + MaxNewTokens > target.ContextLength)
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                MaxNewTokens,
                $"The prompt ({promptLength} tokens) plus MaxNewTokens ({MaxNewTokens}) is {(long)promptLength + MaxNewTokens} tokens, beyond the context length of model '{target.Name}' ({target.ContextLength} tokens).");
        }

        if (StopTokenIds is { } stops)
        {
            foreach (int id in stops)
            {
                if ((uint)id >= (uint)target.VocabularySize)
                {
                    throw new ArgumentOutOfRangeException(paramName, id, $"Stop token id {id} is outside the vocabulary of model '{target.Name}' (size {target.VocabularySize}).");
                }
            }
        }
    }
}
