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

    /// <summary>
    /// Gets every mode: target-only first, then each proposer's fixed-K modes and its adaptive mode; with
    /// <see cref="EvaluationOptions.CompareUnconstrained"/>, the same again without the constraint.
    /// </summary>
    public required IReadOnlyList<ModeReport> Modes { get; init; }

    /// <summary>
    /// Gets target-only's generated ids for each prompt, in the first repetition (with a greedy gate that passed, every
    /// mode's under the same constraint), to show or check what the evaluation generated.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>> TargetOnlyOutputs { get; init; } = [];

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
