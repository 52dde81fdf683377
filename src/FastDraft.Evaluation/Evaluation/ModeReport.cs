namespace FastDraft.Evaluation;

/// <summary>One mode's figures over every prompt and repetition.</summary>
public sealed record ModeReport
{
    /// <summary>Gets the mode's name: <c>target-only</c>, <c>{proposer} K={k}</c> or <c>{proposer} adaptive</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the proposer's name, or <see langword="null"/> for target-only decoding.</summary>
    public string? Proposer { get; init; }

    /// <summary>Gets K: the fixed draft length, or the most an adaptive mode drafts (0 for target-only).</summary>
    public int DraftTokens { get; init; }

    /// <summary>Gets a value indicating whether the draft length adapts.</summary>
    public bool Adaptive { get; init; }

    /// <summary>Gets a value indicating whether the mode ran without the evaluation's constraint, beside the constrained modes (<see cref="EvaluationOptions.CompareUnconstrained"/>).</summary>
    public bool Unconstrained { get; init; }

    /// <summary>Gets the tokens the constraint forced, over every prompt and repetition (0 without a constraint).</summary>
    public long GrammarTokens { get; init; }

    /// <summary>Gets the forced share: <see cref="GrammarTokens"/> ÷ the tokens generated, over every prompt and repetition.</summary>
    public double ForcedShare { get; init; }

    /// <summary>
    /// Gets, for a constrained mode with <see cref="EvaluationOptions.CompareUnconstrained"/>, the speed-up over the same mode
    /// run without the constraint: the ratio of the decode rates repetition by repetition, then the median; NaN otherwise.
    /// </summary>
    public double SpeedupOverUnconstrained { get; init; } = double.NaN;

    /// <summary>Gets α: accepted ÷ judged proposals.</summary>
    public double Alpha { get; init; }

    /// <summary>Gets α by draft position (index 0: the first proposal of a round); NaN where nothing was judged.</summary>
    public IReadOnlyList<double> AlphaByPosition { get; init; } = [];

    /// <summary>
    /// Gets α by where in the context the proposals sat: <see cref="ContextPositionCounts.Buckets"/> equal ranges of the
    /// target's context (<see cref="ContextBucketWidth"/> positions each); NaN where nothing was judged. A draft trained
    /// on windows shorter than the context shows here as α falling in the later buckets.
    /// </summary>
    public IReadOnlyList<double> AlphaByContextPosition { get; init; } = [];

    /// <summary>Gets the judged proposals in each bucket of <see cref="AlphaByContextPosition"/>.</summary>
    public IReadOnlyList<int> JudgedByContextPosition { get; init; } = [];

    /// <summary>Gets the positions per bucket of <see cref="AlphaByContextPosition"/>.</summary>
    public int ContextBucketWidth { get; init; }

    /// <summary>Gets the mean number of proposals accepted per round that had a proposal.</summary>
    public double MeanAcceptedLength { get; init; }

    /// <summary>Gets the target forward passes per generated token (the prompt pass included).</summary>
    public double TargetPassesPerToken { get; init; }

    /// <summary>Gets the decode tokens per second: per repetition, all prompts' tokens after the first over their decode time; the median of the repetitions.</summary>
    public double DecodeTokensPerSecond { get; init; }

    /// <summary>Gets the least repetition's decode rate.</summary>
    public double DecodeTokensPerSecondMin { get; init; }

    /// <summary>Gets the greatest repetition's decode rate.</summary>
    public double DecodeTokensPerSecondMax { get; init; }

    /// <summary>Gets the time to first token, in milliseconds, over every generation.</summary>
    public Percentiles TimeToFirstTokenMilliseconds { get; init; }

    /// <summary>Gets the time per output token after the first, in milliseconds, over every generation.</summary>
    public Percentiles TimePerOutputTokenMilliseconds { get; init; }

    /// <summary>Gets the speed-up over target-only decoding (an unconstrained mode's: over target-only unconstrained): the ratio of the decode rates repetition by repetition, then the median (1 for target-only).</summary>
    public double Speedup { get; init; }

    /// <summary>Gets the least repetition's speed-up (its rate ÷ target-only's in the same repetition): with <see cref="SpeedupMax"/>, the run's repetition-to-repetition noise.</summary>
    public double SpeedupMin { get; init; }

    /// <summary>Gets the greatest repetition's speed-up.</summary>
    public double SpeedupMax { get; init; }

    /// <summary>Gets the speed-up across prompts: each prompt's median ratio over the repetitions, then the 10th, 50th and 90th percentiles.</summary>
    public Spread SpeedupAcrossPrompts { get; init; }

    /// <summary>Gets the CPU core-seconds per 1,000 generated tokens (the whole process, prompt passes included).</summary>
    public double CpuSecondsPerThousandTokens { get; init; }

    /// <summary>Gets the money per million generated tokens at <see cref="EvaluationOptions.PricePerCoreHour"/>, when given.</summary>
    public double? CostPerMillionTokens { get; init; }

    /// <summary>Gets the CPU saved over target-only decoding, as a fraction of its core-seconds per token (negative: costs more).</summary>
    public double CpuSaving { get; init; }

    /// <summary>Gets the figures per prompt, in the prompts' order.</summary>
    public IReadOnlyList<PromptReport> PerPrompt { get; init; } = [];
}
