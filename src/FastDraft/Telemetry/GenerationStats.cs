using System.Collections.ObjectModel;
using System.Diagnostics;

namespace FastDraft;

/// <summary>
/// Counters and timings of one generation, filled while it runs and final once its token
/// stream ends.
/// </summary>
/// <remarks>
/// <para>
/// Pass an instance to <see cref="SpeculativeGenerator.GenerateAsync(ReadOnlyMemory{int}, GenerationOptions?, GenerationStats?, CancellationToken)"/>; the generator resets it
/// when an enumeration of the stream starts. It is written by the thread that enumerates the stream, so read it
/// from that thread (between tokens or after the stream ends). Times are wall-clock and include
/// whatever the consumer does between tokens.
/// </para>
/// <para>
/// An instance records one generation at a time: from the first <c>MoveNextAsync</c> of an
/// enumeration until the stream ends or its enumerator is disposed. Enumerating the same stream
/// again afterwards records the new run (the instance is reset); starting an enumeration that
/// would record into an instance another enumeration is still recording into (the same stream
/// enumerated twice at once, or the instance passed to two concurrent generations) throws
/// <see cref="InvalidOperationException"/> instead of mixing the two runs. Without an instance,
/// every enumeration records into its own.
/// </para>
/// </remarks>
public sealed class GenerationStats
{
    private int _recording;
    private long _startTimestamp;
    private long _firstTokenTimestamp;
    private long _endTimestamp;
    private long _prefillTicks;
    private long _targetTicks;
    private long _draftTicks;
    private int[] _acceptedAt = [];
    private int[] _evaluatedAt = [];
    private ReadOnlyCollection<int> _acceptedByPosition = ReadOnlyCollection<int>.Empty;
    private ReadOnlyCollection<int> _evaluatedByPosition = ReadOnlyCollection<int>.Empty;

    /// <summary>Gets the number of prompt tokens.</summary>
    public int PromptTokens { get; private set; }

    /// <summary>Gets the number of tokens emitted so far.</summary>
    public int GeneratedTokens { get; private set; }

    /// <summary>Gets the number of tokens the draft proposed.</summary>
    public int DraftedTokens { get; private set; }

    /// <summary>Gets the number of proposed tokens the target accepted.</summary>
    public int AcceptedTokens { get; private set; }

    /// <summary>
    /// Gets the number of proposed tokens the target judged: the accepted ones plus, in each round that
    /// ended in a rejection, the rejected one. Proposals after a rejection are never judged.
    /// </summary>
    public int EvaluatedTokens { get; private set; }

    /// <summary>
    /// Gets, for each draft position (index 0 is the first proposal of a round), how many proposals at
    /// that position the target accepted. Its length is the generator's <see cref="SpeculativeOptions.DraftTokens"/>
    /// (0 without a draft).
    /// </summary>
    public IReadOnlyList<int> AcceptedByPosition => _acceptedByPosition;

    /// <summary>
    /// Gets, for each draft position, how many proposals at that position the target judged (a proposal is
    /// judged when every earlier one in its round was accepted). Accepted ÷ judged at position i is the
    /// acceptance rate α of the i-th proposal of a round.
    /// </summary>
    public IReadOnlyList<int> EvaluatedByPosition => _evaluatedByPosition;

    /// <summary>Gets the number of decoding rounds after the prompt pass (each is one target pass).</summary>
    public int Rounds { get; private set; }

    /// <summary>Gets the number of rounds in which the draft proposed at least one token.</summary>
    public int DraftRounds { get; private set; }

    /// <summary>Gets the number of target forward passes requested, the prompt pass included.</summary>
    public int TargetCalls { get; private set; }

    /// <summary>Gets the number of draft forward passes (0 for drafts without a model).</summary>
    public long DraftCalls { get; private set; }

    /// <summary>Gets why the generation ended, or <see cref="StopReason.None"/> while it runs.</summary>
    public StopReason StopReason { get; private set; }

    /// <summary>Gets the fraction of proposed tokens the target accepted (0 when nothing was proposed).</summary>
    public double AcceptanceRate => DraftedTokens == 0 ? 0 : (double)AcceptedTokens / DraftedTokens;

    /// <summary>
    /// Gets the per-position acceptance rate, accepted ÷ <see cref="EvaluatedTokens"/>: the α of the
    /// speculative decoding literature, which predicts the tokens per round as (1 − α^(K+1)) / (1 − α).
    /// </summary>
    public double PositionAcceptanceRate => EvaluatedTokens == 0 ? 0 : (double)AcceptedTokens / EvaluatedTokens;

    /// <summary>Gets the mean number of proposed tokens accepted per round that had a proposal.</summary>
    public double MeanAcceptedLength => DraftRounds == 0 ? 0 : (double)AcceptedTokens / DraftRounds;

    /// <summary>Gets the mean number of tokens emitted per decoding round (accepted drafts plus the target's own token).</summary>
    public double TokensPerRound => Rounds == 0 ? 0 : (double)(GeneratedTokens - 1) / Rounds;

    /// <summary>Gets the time spent in the prompt pass.</summary>
    public TimeSpan PrefillTime => Stopwatch.GetElapsedTime(0, _prefillTicks);

    /// <summary>Gets the time spent in target passes after the prompt pass.</summary>
    public TimeSpan TargetTime => Stopwatch.GetElapsedTime(0, _targetTicks);

    /// <summary>Gets the time spent proposing drafts.</summary>
    public TimeSpan DraftTime => Stopwatch.GetElapsedTime(0, _draftTicks);

    /// <summary>Gets the time from the start of the generation to the first emitted token.</summary>
    public TimeSpan TimeToFirstToken => _firstTokenTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTimestamp, _firstTokenTimestamp);

    /// <summary>Gets the time from the start of the generation to its end (or to now, while it runs).</summary>
    public TimeSpan TotalTime => _startTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTimestamp, _endTimestamp == 0 ? Stopwatch.GetTimestamp() : _endTimestamp);

    /// <summary>Gets the generated tokens per second over <see cref="TotalTime"/>.</summary>
    public double TokensPerSecond => PerSecond(GeneratedTokens, TotalTime);

    /// <summary>Gets the tokens per second after the first token (decoding only, the prompt pass excluded).</summary>
    public double DecodeTokensPerSecond => PerSecond(GeneratedTokens - 1, TotalTime - TimeToFirstToken);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{GeneratedTokens} tokens in {TotalTime.TotalMilliseconds:F1} ms ({TokensPerSecond:F1} tok/s, decode {DecodeTokensPerSecond:F1} tok/s), " +
        $"TTFT {TimeToFirstToken.TotalMilliseconds:F1} ms, target calls {TargetCalls}, draft calls {DraftCalls}, " +
        $"accepted {AcceptedTokens}/{DraftedTokens} ({AcceptanceRate:P1}), mean accepted length {MeanAcceptedLength:F2}, stop {StopReason}";

    /// <summary>Claims the instance for one run and resets it.</summary>
    /// <exception cref="InvalidOperationException">Another run is still recording into this instance.</exception>
    internal void Begin(int promptTokens, int maxDraftTokens)
    {
        if (Interlocked.Exchange(ref _recording, 1) != 0)
        {
            throw new InvalidOperationException(
                "This GenerationStats is already recording a generation that has not ended: a stream enumerated twice at once, or one instance passed to two concurrent generations. " +
                "Pass a separate GenerationStats to each generation that runs at the same time (or none), or finish or dispose the first enumeration before starting the next.");
        }

        PromptTokens = promptTokens;
        GeneratedTokens = DraftedTokens = AcceptedTokens = EvaluatedTokens = Rounds = DraftRounds = TargetCalls = 0;
        DraftCalls = 0;
        StopReason = StopReason.None;
        _prefillTicks = _targetTicks = _draftTicks = 0;
        _firstTokenTimestamp = _endTimestamp = 0;
        if (_acceptedAt.Length != maxDraftTokens)
        {
            _acceptedAt = new int[maxDraftTokens];
            _evaluatedAt = new int[maxDraftTokens];
            _acceptedByPosition = new ReadOnlyCollection<int>(_acceptedAt);
            _evaluatedByPosition = new ReadOnlyCollection<int>(_evaluatedAt);
        }

        Array.Clear(_acceptedAt);
        Array.Clear(_evaluatedAt);
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    internal void RecordPrefill(long startTimestamp)
    {
        _prefillTicks += Stopwatch.GetTimestamp() - startTimestamp;
        TargetCalls++;
    }

    /// <summary>Records a proposal; returns its duration in stopwatch ticks.</summary>
    internal long RecordDraft(long startTimestamp, int drafted, long draftModelCalls)
    {
        long ticks = Stopwatch.GetTimestamp() - startTimestamp;
        _draftTicks += ticks;
        DraftCalls = draftModelCalls;
        if (drafted > 0)
        {
            DraftedTokens += drafted;
            DraftRounds++;
        }

        return ticks;
    }

    /// <summary>Records a verification pass; returns its duration in stopwatch ticks.</summary>
    internal long RecordVerification(long startTimestamp, int drafted, int accepted)
    {
        long ticks = Stopwatch.GetTimestamp() - startTimestamp;
        _targetTicks += ticks;
        TargetCalls++;
        Rounds++;
        AcceptedTokens += accepted;
        EvaluatedTokens += accepted + (accepted < drafted ? 1 : 0);
        for (int i = 0; i < accepted; i++)
        {
            _acceptedAt[i]++;
            _evaluatedAt[i]++;
        }

        if (accepted < drafted)
        {
            _evaluatedAt[accepted]++;
        }
        return ticks;
    }

    internal GeneratedToken Emit(int id, TokenSource source, string? text)
    {
        if (GeneratedTokens == 0)
        {
            _firstTokenTimestamp = Stopwatch.GetTimestamp();
        }

        return new GeneratedToken(id, source, GeneratedTokens++, text);
    }

    /// <summary>Records the end of the run and releases the instance for the next one.</summary>
    internal void End(StopReason reason)
    {
        StopReason = reason;
        _endTimestamp = Stopwatch.GetTimestamp();
        Volatile.Write(ref _recording, 0);
    }

    private static double PerSecond(int count, TimeSpan time) => time <= TimeSpan.Zero || count <= 0 ? 0 : count / time.TotalSeconds;
}
