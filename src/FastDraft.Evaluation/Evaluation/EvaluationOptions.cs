namespace FastDraft.Evaluation;

/// <summary>What <see cref="PairEvaluator"/> measures and how long; immutable, changed with <c>with</c>.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Gets the tokens generated per prompt (end-of-sequence is ignored, so every mode generates as many); at least 2; default 64.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Gets the number of interleaved repetitions; at least 1; default 3.</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>Gets K of the headline fixed-K mode of each proposer (always part of the sweep); default 4.</summary>
    public int DraftTokens { get; init; } = 4;

    /// <summary>Gets the values of K swept with a fixed draft length; the adaptive mode drafts up to the largest; default 1, 2, 4, 6, 8.</summary>
    public IReadOnlyList<int> DraftTokenSweep { get; init; } = [1, 2, 4, 6, 8];

    /// <summary>Gets the sampling temperature: 0 (the default) decodes greedily and gates on identical tokens; above 0 gates on the target's log-probability of the output.</summary>
    public float Temperature { get; init; }

    /// <summary>Gets the first seed of sampled generations (see <see cref="ScheduleOptions.Seed"/>).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Gets the price of one CPU core-hour (any currency) for the cost per million tokens; <see langword="null"/> leaves money out.</summary>
    public double? PricePerCoreHour { get; init; }

    /// <summary>
    /// Gets a constraint every mode generates under, target-only included (such as FastDraft.Text's <c>JsonConstraint</c>),
    /// so that the quality gate compares constrained speculative output with constrained target-only output; <see langword="null"/>
    /// (the default) for none. A constrained generation ends where the constraint lets end-of-sequence through (the value
    /// complete) or at <see cref="MaxNewTokens"/>, so its length is the output's; tokens the constraint forces are counted
    /// in <see cref="ModeReport.GrammarTokens"/>.
    /// </summary>
    public ITokenConstraint? Constraint { get; init; }

    /// <summary>
    /// Gets a value indicating whether, with a <see cref="Constraint"/>, target-only and every proposer's modes are also
    /// measured without it, in the same interleaved run (named <c>{mode}, unconstrained</c>, <see cref="ModeReport.Unconstrained"/>):
    /// each constrained mode then reports <see cref="ModeReport.SpeedupOverUnconstrained"/>. Default <see langword="false"/>.
    /// </summary>
    public bool CompareUnconstrained { get; init; }

    /// <summary>
    /// Gets the confidence of the sampling gate, shared among the modes compared (Bonferroni): each mode's
    /// interval is at 1 − (1 − confidence) / modes, so that a correct implementation fails the gate with at
    /// most this complement of probability. Default 0.99.
    /// </summary>
    public double QualityConfidence { get; init; } = 0.99;

    /// <summary>Gets the values of K measured: the sweep and <see cref="DraftTokens"/>, ascending.</summary>
    internal int[] AllDraftTokens => [.. DraftTokenSweep.Append(DraftTokens).Distinct().Order()];

    internal void Validate()
    {
        static void Check(bool valid, string message)
        {
            if (!valid)
            {
                throw new ArgumentException(message);
            }
        }

        Check(MaxNewTokens >= 2, $"MaxNewTokens must be at least 2 (decoding speed is measured after the first token); got {MaxNewTokens}.");
        Check(Repetitions >= 1, $"Repetitions must be at least 1; got {Repetitions}.");
        Check(DraftTokenSweep is not null && DraftTokenSweep.Append(DraftTokens).All(k => k is >= 1 and <= SpeculativeOptions.MaxDraftTokens), $"Every K must be between 1 and {SpeculativeOptions.MaxDraftTokens}.");
        Check(Temperature == 0 || Temperature is >= 1e-6f and <= float.MaxValue, $"Temperature must be 0 (greedy) or a positive number; got {Temperature}.");
        Check(PricePerCoreHour is null || (PricePerCoreHour >= 0 && double.IsFinite(PricePerCoreHour.Value)), $"The price per core-hour must be a finite number of at least 0; got {PricePerCoreHour}.");
        Check(!CompareUnconstrained || Constraint is not null, "CompareUnconstrained needs a Constraint to compare with.");
        Check(QualityConfidence is > 0 and < 1, $"QualityConfidence must be in (0, 1); got {QualityConfidence}.");
    }
}
