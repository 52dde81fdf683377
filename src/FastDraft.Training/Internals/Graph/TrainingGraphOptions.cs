namespace FastDraft.Training.Graph;

/// <summary>The shape and loss of a training graph.</summary>
internal sealed record TrainingGraphOptions
{
    /// <summary>Gets the sequences per batch (fixed in the graph, so ONNX Runtime can plan memory); default 1.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Gets the tokens per sequence (fixed in the graph); default 16.</summary>
    public int SequenceLength { get; init; } = 16;

    /// <summary>Gets the teacher entries per position of the soft targets; 0 (default) for none (no soft inputs, KL output 0).</summary>
    public int SoftTopK { get; init; }

    /// <summary>Gets a value indicating whether the graph computes in float64 (for gradient checks); default float32.</summary>
    public bool DoublePrecision { get; init; }

    /// <summary>Gets a value indicating whether the graph also outputs <c>logits</c> [batch, sequence, vocabulary] (for tests).</summary>
    public bool OutputLogits { get; init; }

    /// <summary>
    /// Gets the tokens per chunk of the head and loss (the rows of every [tokens, vocabulary] tensor the graph holds); null
    /// (default) for as many as fit <see cref="DefaultLossChunkBytes"/> per such tensor, at least 16.
    /// </summary>
    public int? LossChunkTokens { get; init; }

    /// <summary>The bytes one [tokens, vocabulary] tensor of a loss chunk may take by default: 64 MiB.</summary>
    public const long DefaultLossChunkBytes = 64L << 20;

    /// <summary>
    /// Gets a hook that sees the result of every backward rule and may replace it; null (default) in production. Tests
    /// use it to inject a deliberately wrong rule and show that the gradient check catches it.
    /// </summary>
    public BackwardRuleHook? BackwardHook { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(SequenceLength, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(SoftTopK);
        if (LossChunkTokens is { } chunk)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1, nameof(LossChunkTokens));
        }
    }

    /// <summary>Gets the tokens per loss chunk for <paramref name="tokens"/> tokens a step and a vocabulary (at most all the tokens).</summary>
    internal int ChunkTokens(int tokens, int vocabulary)
    {
        long fit = DefaultLossChunkBytes / ((long)vocabulary * (DoublePrecision ? sizeof(double) : sizeof(float)));
        return (int)Math.Min(tokens, LossChunkTokens ?? Math.Max(16, fit));
    }
}
