namespace FastDraft.Evaluation;

/// <summary>A mode the evaluator measures: its generator mode and what it stands for.</summary>
internal sealed record ModePlan(GeneratorMode Mode, Proposer? Proposer, int DraftTokens, bool Adaptive)
{
    public string Name => Mode.Name;
}
