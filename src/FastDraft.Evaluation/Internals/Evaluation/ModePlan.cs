namespace FastDraft.Evaluation;

/// <summary>A mode the evaluator measures: its generator mode and what it stands for (<paramref name="Unconstrained"/>: a comparison mode run without the evaluation's constraint).</summary>
internal sealed record ModePlan(GeneratorMode Mode, Proposer? Proposer, int DraftTokens, bool Adaptive, bool Unconstrained = false)
{
    public string Name => Mode.Name;
}
