namespace FastDraft.Training;

/// <summary>Options for generating alignment data with a target.</summary>
public sealed record AlignmentDataOptions
{
    /// <summary>The largest <see cref="BatchSize"/>.</summary>
    public const int MaxBatchSize = 256;

    /// <summary>Gets how many sequences to generate in all (a resumed run counts those already in the file); default 1,280.</summary>
    public int Sequences { get; init; } = 1280;

    /// <summary>
    /// Gets the longest prompt in tokens; <see langword="null"/> (default) for the target's context minus
    /// <see cref="ContinuationLength"/>. Prompt lengths spread evenly (seeded, per record) between
    /// <see cref="MinimumPromptLength"/> and this, so the continuations cover every position of the context: a draft
    /// trained only on short prompts stops agreeing with the target beyond the positions it saw.
    /// </summary>
    public int? PromptLength { get; init; }

    /// <summary>Gets the shortest prompt in tokens; default 16 (capped at <see cref="PromptLength"/>).</summary>
    public int MinimumPromptLength { get; init; } = 16;

    /// <summary>Gets the continuation length in tokens; default 128.</summary>
    public int ContinuationLength { get; init; } = 128;

    /// <summary>Gets the share of greedy continuations, in [0, 1]; the rest are sampled at <see cref="Temperature"/>. Default 0.5.</summary>
    public double GreedyShare { get; init; } = 0.5;

    /// <summary>Gets the sampling temperature of the sampled continuations; default 0.7.</summary>
    public float Temperature { get; init; } = 0.7f;

    /// <summary>Gets how many of the target's most likely tokens to keep per continuation position (for the KL term); 0 (default) keeps none.</summary>
    public int TopK { get; init; }

    /// <summary>Gets the seed that picks prompts and sampling seeds; record i is the same in every run with the same seed.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// Gets how many sequences the target continues together, one forward pass per step for all of them; default 8.
    /// 1 continues them one at a time (one generation per processor at once), and takes the top-k distribution from a
    /// second, teacher-forced pass. A batch's rows are continued exactly as one at a time, token for token, up to the
    /// last bits of the logits (which can turn a near-tie), so the size is part of what the data is (see the remarks of
    /// <see cref="AlignmentDataGenerator.GenerateAsync"/>). A target that cannot decode rows together is continued one at a time.
    /// </summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Gets a wall-clock budget after which generation stops early (the file stays usable, and holds at least one sequence); <see langword="null"/> for none.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Gets the number of batches generated at once; <see langword="null"/> for half the processors (1 to 4).</summary>
    internal int? BatchWorkers { get; init; }

    /// <summary>Gets the longest prompt for a target: <see cref="PromptLength"/> or the context minus the continuation.</summary>
    internal int MaximumPromptLength(ModelInfo target) => PromptLength ?? (target.ContextLength - ContinuationLength);

    /// <summary>Gets the prompt length of record <paramref name="index"/>: the same in every run with the same seed.</summary>
    internal int PromptLengthOf(ModelInfo target, int index)
    {
        int longest = MaximumPromptLength(target);
        int shortest = Math.Min(MinimumPromptLength, longest);
        return shortest + (int)(SplitMix64.Mix(Seed ^ 0x1E46, (ulong)index) % (ulong)(longest - shortest + 1));
    }

    internal void Validate(ITargetModel target, int corpusTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Sequences, 1, nameof(Sequences));
        ArgumentOutOfRangeException.ThrowIfLessThan(ContinuationLength, 1, nameof(ContinuationLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumPromptLength, 1, nameof(MinimumPromptLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchSize, MaxBatchSize, nameof(BatchSize));
        int promptLength = MaximumPromptLength(target.Info);
        if (promptLength < 1)
        {
            throw new ArgumentException($"The longest prompt ({promptLength}: PromptLength, or the target's context {target.Info.ContextLength} minus ContinuationLength {ContinuationLength}) must be at least 1.");
        }

        if (GreedyShare is < 0 or > 1 || double.IsNaN(GreedyShare))
        {
            throw new ArgumentException($"GreedyShare ({GreedyShare}) must lie in [0, 1].");
        }

        if (GreedyShare < 1 && !(Temperature > 1e-3f && float.IsFinite(Temperature)))
        {
            throw new ArgumentException($"Temperature ({Temperature}) must be a finite number above 0.001 when some continuations are sampled.");
        }

        if (TopK < 0 || TopK > target.Info.VocabularySize)
        {
            throw new ArgumentException($"TopK ({TopK}) must lie in [0, {target.Info.VocabularySize}] (the target's vocabulary).");
        }

        if (promptLength + ContinuationLength > target.Info.ContextLength)
        {
            throw new ArgumentException($"PromptLength ({promptLength}) + ContinuationLength ({ContinuationLength}) exceeds the target's context ({target.Info.ContextLength}).");
        }

        if (corpusTokens <= promptLength)
        {
            throw new ArgumentException($"The training corpus holds {corpusTokens} tokens; prompts of {promptLength} need more.");
        }
    }
}
