namespace FastDraft.Evaluation;

/// <summary>What <see cref="PairEvaluator.Run"/> found: every mode's figures, the quality gate, the K sweep and a recommendation.</summary>
public sealed record EvaluationReport
{
    /// <summary>Gets the target's name.</summary>
    public required string Target { get; init; }

    /// <summary>Gets the number of prompts.</summary>
    public required int Prompts { get; init; }

    /// <summary>Gets the options the evaluation ran with.</summary>
    public required EvaluationOptions Options { get; init; }

    /// <summary>Gets every mode: target-only first, then each proposer's fixed-K modes and its adaptive mode.</summary>
    public required IReadOnlyList<ModeReport> Modes { get; init; }

    /// <summary>Gets the quality gate's outcome.</summary>
    public required QualityGateReport Quality { get; init; }

    /// <summary>Gets the K sweep: measured against predicted speed-up, per proposer and K.</summary>
    public required IReadOnlyList<SweepPoint> Sweep { get; init; }

    /// <summary>Gets the step costs by proposer (the medians of one measurement per repetition).</summary>
    public required IReadOnlyDictionary<string, StepCosts> StepCosts { get; init; }

    /// <summary>Gets the recommended mode and why.</summary>
    public required Recommendation Recommendation { get; init; }

    /// <summary>Gets the wall time of the evaluation.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the machine's logical CPUs and its load averages at the start and the end of the run.</summary>
    public MachineLoad Machine { get; init; } = new(Environment.ProcessorCount, null, null);

    /// <summary>
    /// Gets what makes the figures less certain than they look, one sentence each: modes whose repetition ranges overlap
    /// the recommended one's, decode rates that rank the modes differently from the speed-ups, a busy machine, a single
    /// repetition. Empty when none applies.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

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

    /// <summary>Gets the speed-up over target-only decoding: the ratio of the decode rates repetition by repetition, then the median (1 for target-only).</summary>
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

/// <summary>The 10th, 50th and 90th percentiles of a distribution.</summary>
/// <param name="P10">The 10th percentile.</param>
/// <param name="Median">The median.</param>
/// <param name="P90">The 90th percentile.</param>
public readonly record struct Spread(double P10, double Median, double P90);

/// <summary>One mode's figures on one prompt, over the repetitions.</summary>
/// <param name="Prompt">The prompt's index in the file (0-based).</param>
/// <param name="Alpha">α on this prompt.</param>
/// <param name="MeanAcceptedLength">Proposals accepted per round that had one.</param>
/// <param name="TargetPassesPerToken">Target passes per generated token.</param>
/// <param name="DecodeTokensPerSecond">The median decode rate over the repetitions.</param>
/// <param name="Speedup">The median over the repetitions of the rate ÷ target-only's on the same prompt and repetition.</param>
/// <param name="TimeToFirstTokenMilliseconds">The median time to first token.</param>
public readonly record struct PromptReport(int Prompt, double Alpha, double MeanAcceptedLength, double TargetPassesPerToken, double DecodeTokensPerSecond, double Speedup, double TimeToFirstTokenMilliseconds);

/// <summary>One point of the K sweep: the measured speed-up beside the predicted E(α,K)/(K·c + v(K)).</summary>
/// <param name="Proposer">The proposer.</param>
/// <param name="DraftTokens">K.</param>
/// <param name="Alpha">α measured at this K.</param>
/// <param name="DraftCost">c(K), in target steps (median over the repetitions).</param>
/// <param name="PassCost">v(K), in target steps (median over the repetitions).</param>
/// <param name="Predicted">The predicted speed-up: per repetition from that repetition's c and v, then the median.</param>
/// <param name="Measured">The measured speed-up (<see cref="ModeReport.Speedup"/>).</param>
public readonly record struct SweepPoint(string Proposer, int DraftTokens, double Alpha, double DraftCost, double PassCost, double Predicted, double Measured);

/// <summary>The mode to deploy, and why.</summary>
/// <param name="Mode">A mode's name (<c>target-only</c> when no proposer helps or the gate failed).</param>
/// <param name="Reason">One or two sentences with the figures behind the choice.</param>
public sealed record Recommendation(string Mode, string Reason);

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

/// <summary>A greedy output that differs from target-only's.</summary>
/// <param name="Mode">The speculative mode (or <c>target-only</c> when target-only itself changed between repetitions).</param>
/// <param name="Prompt">The prompt's index (0-based).</param>
/// <param name="Repetition">The repetition (0-based).</param>
/// <param name="Position">The first generated position (0-based) where the tokens differ.</param>
/// <param name="Expected">Target-only's token there.</param>
/// <param name="Actual">The mode's token there (-1 when its output ended first).</param>
/// <param name="TopTwoMargin">The target's logit margin between its two most likely tokens there: near 0, a numerical tie; large, a real fault.</param>
public readonly record struct OutputDifference(string Mode, int Prompt, int Repetition, int Position, int Expected, int Actual, double TopTwoMargin);

/// <summary>The target's mean log-probability of the generated tokens (under the sampled distribution), a speculative mode against target-only.</summary>
/// <param name="Mode">The speculative mode.</param>
/// <param name="BaselineMean">Target-only's mean, per token, over its generations.</param>
/// <param name="ModeMean">The mode's mean.</param>
/// <param name="Difference">Mode − target-only, paired by prompt and repetition, with its confidence interval.</param>
/// <param name="Agrees">Whether the interval contains 0.</param>
public readonly record struct LogProbabilityComparison(string Mode, double BaselineMean, double ModeMean, ConfidenceInterval Difference, bool Agrees);
