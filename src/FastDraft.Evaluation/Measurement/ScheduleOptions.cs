namespace FastDraft.Evaluation;

/// <summary>How <see cref="InterleavedSchedule"/> runs the modes.</summary>
public sealed record ScheduleOptions
{
    /// <summary>Gets the tokens generated per prompt; at least 2 (decoding starts after the first); default 64.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Gets the number of repetitions; at least 1; default 3.</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>Gets the first seed of sampled generations: the generation of prompt p in repetition r gets <c>Seed + r × prompts + p</c>.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Gets the tokens of the one warm-up generation per mode (JIT, pooled buffers), not measured; default 16, capped at <see cref="MaxNewTokens"/>.</summary>
    public int WarmUpTokens { get; init; } = 16;
}
