namespace FastDraft.Evaluation;

/// <summary>
/// The quality gate: greedy, every speculative output equals target-only's token for token; sampling, the
/// target's mean log-probability of the output agrees between each speculative mode and target-only.
/// </summary>
public sealed record QualityGateReport
{
    /// <summary>Gets a value indicating whether the gate passed.</summary>
    public required bool Passed { get; init; }

    /// <summary>Gets a value indicating whether the generations sampled (otherwise greedy).</summary>
    public bool Sampled { get; init; }

    /// <summary>Gets the number of speculative generations compared with target-only.</summary>
    public int Compared { get; init; }

    /// <summary>Gets the total number of generations that differ from target-only's (greedy); <see cref="Differences"/> lists the first of them.</summary>
    public int DifferenceCount { get; init; }

    /// <summary>Gets the first differences found (greedy), each at its first differing position.</summary>
    public IReadOnlyList<OutputDifference> Differences { get; init; } = [];

    /// <summary>Gets the log-probability comparison per speculative mode (sampling).</summary>
    public IReadOnlyList<LogProbabilityComparison> LogProbabilities { get; init; } = [];
}
