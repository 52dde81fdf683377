namespace FastDraft.Evaluation;

/// <summary>What one generation measured: its timings, its counters and, when kept, its tokens.</summary>
/// <remarks>
/// Counters a system does not report stay 0 (a target-only generation drafts nothing; ONNX Runtime GenAI
/// reports no per-position counts). Times are wall-clock, from <see cref="System.Diagnostics.Stopwatch"/>.
/// </remarks>
public sealed record GenerationSample
{
    /// <summary>Gets the number of tokens generated.</summary>
    public required int GeneratedTokens { get; init; }

    /// <summary>Gets the generated token ids, when the measurement kept them; otherwise <see langword="null"/>.</summary>
    public IReadOnlyList<int>? Tokens { get; init; }

    /// <summary>Gets the time from the start of the generation to its first token (the prompt pass included).</summary>
    public TimeSpan TimeToFirstToken { get; init; }

    /// <summary>Gets the time from the first token to the last: decoding, the prompt pass excluded.</summary>
    public TimeSpan DecodeTime { get; init; }

    /// <summary>Gets the wall time of the whole generation, as the measuring code saw it.</summary>
    public TimeSpan WallTime { get; init; }

    /// <summary>Gets the CPU time the whole process used during the generation (user and kernel, every thread): core-seconds.</summary>
    public TimeSpan CpuTime { get; init; }

    /// <summary>
    /// Gets the time spent in the models' passes, as the generator's own statistics report it: the prompt pass,
    /// the proposals and the verification passes (<see cref="GenerationStats.PrefillTime"/> + <see cref="GenerationStats.TargetTime"/>
    /// + <see cref="GenerationStats.DraftTime"/>); 0 when the system does not report it.
    /// </summary>
    public TimeSpan ModelTime { get; init; }

    /// <summary>Gets the managed bytes the measuring thread allocated during the generation.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Gets the number of tokens a constraint forced (<see cref="GenerationStats.GrammarTokens"/>; 0 without one).</summary>
    public int GrammarTokens { get; init; }

    /// <summary>Gets the number of target forward passes, the prompt pass included.</summary>
    public int TargetCalls { get; init; }

    /// <summary>Gets the number of decoding rounds after the prompt pass (one target pass each).</summary>
    public int Rounds { get; init; }

    /// <summary>Gets the number of rounds in which the proposer proposed at least one token.</summary>
    public int DraftRounds { get; init; }

    /// <summary>Gets the number of tokens proposed.</summary>
    public int DraftedTokens { get; init; }

    /// <summary>Gets the number of proposed tokens the target judged (accepted, plus the rejected one of each rejected round).</summary>
    public int EvaluatedTokens { get; init; }

    /// <summary>Gets the number of proposed tokens the target accepted.</summary>
    public int AcceptedTokens { get; init; }

    /// <summary>Gets the accepted proposals by draft position (index 0: the first proposal of a round).</summary>
    public IReadOnlyList<int> AcceptedByPosition { get; init; } = [];

    /// <summary>Gets the judged proposals by draft position.</summary>
    public IReadOnlyList<int> EvaluatedByPosition { get; init; } = [];

    /// <summary>Gets the target's context length, which <see cref="AcceptedByContextPosition"/> divides into equal buckets.</summary>
    public int ContextLength { get; init; }

    /// <summary>
    /// Gets the accepted proposals by where in the context they sit, in <see cref="ContextPositionCounts.Buckets"/> equal
    /// ranges of <see cref="ContextLength"/> (empty when the system does not report per-token provenance).
    /// </summary>
    public IReadOnlyList<int> AcceptedByContextPosition { get; init; } = [];

    /// <summary>Gets the judged proposals (accepted, plus each round's rejected one) by where in the context they sit.</summary>
    public IReadOnlyList<int> EvaluatedByContextPosition { get; init; } = [];

    /// <summary>Gets the time spent proposing.</summary>
    public TimeSpan DraftTime { get; init; }

    /// <summary>Gets the decoding tokens per second: the tokens after the first over <see cref="DecodeTime"/> (0 when there are none).</summary>
    public double DecodeTokensPerSecond => GeneratedTokens < 2 || DecodeTime <= TimeSpan.Zero ? 0 : (GeneratedTokens - 1) / DecodeTime.TotalSeconds;

    /// <summary>Gets the time per output token after the first: <see cref="DecodeTime"/> over the tokens after the first.</summary>
    public TimeSpan TimePerOutputToken => GeneratedTokens < 2 ? TimeSpan.Zero : DecodeTime / (GeneratedTokens - 1);
}
