using System.Collections.ObjectModel;

namespace FastDraft;

/// <summary>
/// Counters and timings of one generation, filled while it runs and final once its token
/// stream ends.
/// </summary>
/// <remarks>
/// <para>
/// Pass an instance to <see cref="SpeculativeGenerator.GenerateAsync(ReadOnlyMemory{int}, GenerationOptions?, GenerationStats?, CancellationToken)"/>; the generator resets it
/// when an enumeration of the stream starts. It is written by the thread that enumerates the stream, so read it
/// from that thread (between tokens or after the stream ends). Times come from the generator's
/// <see cref="SpeculativeOptions.TimeProvider"/> (the system clock by default) and include whatever the
/// consumer does between tokens.
/// </para>
/// <para>
/// It is a record of the request and nothing else: the generator never reads it back to decide
/// anything. The same figures go to the <c>FastDraft</c> meter and activity source when they have
/// listeners (see the README's Observability section).
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
    private TimeProvider _time = TimeProvider.System;
    private long _startTimestamp;
    private long _firstTokenTimestamp;
    private long _endTimestamp;
    private bool _started;
    private bool _hasFirstToken;
    private bool _ended;
    private long _prefillTicks;
    private long _targetTicks;
    private long _draftTicks;
    private int[] _acceptedAt = [];
    private int[] _evaluatedAt = [];
    private int[] _roundsAt = [];
    private ReadOnlyCollection<int> _acceptedByPosition = ReadOnlyCollection<int>.Empty;
    private ReadOnlyCollection<int> _evaluatedByPosition = ReadOnlyCollection<int>.Empty;
    private ReadOnlyCollection<int> _roundsByDraftLength = ReadOnlyCollection<int>.Empty;

    /// <summary>Gets the number of prompt tokens.</summary>
    public int PromptTokens { get; private set; }

    /// <summary>Gets the number of tokens emitted so far.</summary>
    public int GeneratedTokens { get; private set; }

    /// <summary>
    /// Gets the number of emitted tokens the constraint forced (<see cref="TokenSource.Grammar"/>): appended
    /// without a draft pass and verified by the target; they are not in <see cref="DraftedTokens"/>.
    /// </summary>
    public int GrammarTokens { get; private set; }

    /// <summary>Gets the number of tokens the draft proposed.</summary>
    public int DraftedTokens { get; private set; }

    /// <summary>Gets the number of proposed tokens the target accepted.</summary>
    public int AcceptedTokens { get; private set; }

    /// <summary>
    /// Gets the number of proposed tokens prompt lookup copied from the context (<see cref="NGramDraftModel"/>, or a
    /// <see cref="CombinedDraftModel"/>'s lookup), counted in <see cref="DraftedTokens"/> too; the rest a draft model chose.
    /// </summary>
    public int LookupTokens { get; private set; }

    /// <summary>
    /// Gets the number of proposed tokens prompt lookup copied that the target accepted, counted in <see cref="AcceptedTokens"/>
    /// too: the tokens emitted as <see cref="TokenSource.Lookup"/> (the rest of the accepted ones are <see cref="TokenSource.Draft"/>).
    /// </summary>
    public int LookupAcceptedTokens { get; private set; }

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
    /// judged when every earlier one in its round was accepted). Accepted ÷ judged at position i is α of the i-th
    /// proposal of a round (see <see cref="Alpha"/>).
    /// </summary>
    public IReadOnlyList<int> EvaluatedByPosition => _evaluatedByPosition;

    /// <summary>
    /// Gets, for each draft length K from 0 to the generator's <see cref="SpeculativeOptions.DraftTokens"/>, the
    /// number of rounds for which the generator chose to draft K tokens (what <see cref="SpeculativeOptions.AdaptiveDraftTokens"/>
    /// decided, before the remaining token budget or the draft itself proposed fewer). Empty without a draft.
    /// </summary>
    /// <remarks>
    /// A round is counted when its target pass has verified it, as <see cref="Rounds"/> counts it, so the counts add
    /// up to <see cref="Rounds"/>. A round cancelled (or failed) while its draft proposed or its target pass ran is in
    /// neither: its proposals are not in <see cref="DraftedTokens"/> either, though the rounds verified before it stay
    /// recorded (and are reported to the <c>fastdraft.draft.length</c> histogram when the generation ends). A round in
    /// which the draft proposed fewer tokens than chosen, or none (a confidence stop at its first token, see
    /// <see cref="SpeculativeOptions.DraftConfidenceThreshold"/>), is counted at the length chosen.
    /// </remarks>
    public IReadOnlyList<int> RoundsByDraftLength => _roundsByDraftLength;

    /// <summary>Gets the number of decoding rounds after the prompt pass (each is one target pass).</summary>
    public int Rounds { get; private set; }

    /// <summary>Gets the number of rounds in which the draft proposed at least one token.</summary>
    public int DraftRounds { get; private set; }

    /// <summary>Gets the number of target forward passes requested, the prompt pass included.</summary>
    public int TargetCalls { get; private set; }

    /// <summary>Gets the number of draft forward passes, its reading of the prompt included (0 for drafts without a model).</summary>
    public long DraftCalls { get; private set; }

    /// <summary>Gets why the generation ended, or <see cref="StopReason.None"/> while it runs.</summary>
    public StopReason StopReason { get; private set; }

    /// <summary>
    /// Gets the finish reason, in the OpenTelemetry GenAI conventions' terms: <c>"length"</c> when a token limit ended
    /// the generation (<see cref="StopReason.MaxNewTokens"/>, <see cref="StopReason.ContextLimit"/>), <c>"stop"</c> when
    /// the model or a stop condition did; <see langword="null"/> while it runs or after an exception. The generation's span
    /// (<c>gen_ai.response.finish_reasons</c>) and the chat client's <c>ChatFinishReason</c> report this same value.
    /// </summary>
    public string? FinishReason => Internals.Telemetry.TelemetryTags.FinishReasonOf(StopReason);

    /// <summary>
    /// Gets the acceptance rate: accepted ÷ drafted, the fraction of proposed tokens the target accepted (0 when nothing was
    /// proposed). Telemetry's <c>fastdraft.draft.acceptance_rate</c> and the chat client's <c>fastdraft.acceptance_rate</c>
    /// are this figure; other ratios have other names (<see cref="Alpha"/>, <see cref="MeanAcceptedLength"/>).
    /// </summary>
    public double AcceptanceRate => DraftedTokens == 0 ? 0 : (double)AcceptedTokens / DraftedTokens;

    /// <summary>
    /// Gets α: accepted ÷ judged (<see cref="EvaluatedTokens"/>), the probability that a proposal is accepted given that every
    /// earlier one in its round was, as the speculative decoding literature defines it (it predicts the tokens per round as
    /// (1 − α^(K+1)) / (1 − α)) and as <c>fastdraft eval</c> reports it. Not the acceptance rate (<see cref="AcceptanceRate"/>,
    /// accepted ÷ drafted), which also counts the proposals after a rejection, never judged.
    /// </summary>
    public double Alpha => EvaluatedTokens == 0 ? 0 : (double)AcceptedTokens / EvaluatedTokens;

    /// <summary>Gets the mean number of proposed tokens accepted per round that had a proposal.</summary>
    public double MeanAcceptedLength => DraftRounds == 0 ? 0 : (double)AcceptedTokens / DraftRounds;

    /// <summary>Gets the mean number of tokens emitted per decoding round (accepted drafts plus the target's own token).</summary>
    public double TokensPerRound => Rounds == 0 ? 0 : (double)(GeneratedTokens - 1) / Rounds;

    /// <summary>Gets the time spent in the prompt pass (the target's, and the draft's reading of the prompt).</summary>
    public TimeSpan PrefillTime => Elapsed(_prefillTicks);

    /// <summary>Gets the time spent in target passes after the prompt pass.</summary>
    public TimeSpan TargetTime => Elapsed(_targetTicks);

    /// <summary>Gets the time spent proposing drafts.</summary>
    public TimeSpan DraftTime => Elapsed(_draftTicks);

    /// <summary>Gets the time from the start of the generation to the first emitted token.</summary>
    public TimeSpan TimeToFirstToken => _hasFirstToken ? _time.GetElapsedTime(_startTimestamp, _firstTokenTimestamp) : TimeSpan.Zero;

    /// <summary>Gets the time from the start of the generation to its end (or to now, while it runs).</summary>
    public TimeSpan TotalTime => !_started ? TimeSpan.Zero : _time.GetElapsedTime(_startTimestamp, _ended ? _endTimestamp : _time.GetTimestamp());

    /// <summary>Gets the generated tokens per second over <see cref="TotalTime"/>.</summary>
    public double TokensPerSecond => PerSecond(GeneratedTokens, TotalTime);

    /// <summary>
    /// Gets the prompt tokens the generation's sessions already held, taken from a <see cref="SessionPool"/>
    /// (<see cref="SpeculativeOptions.SessionPool"/>): the prompt pass ran the model over the others only. 0 without a pool or when no
    /// pooled session shared a prefix with the prompt.
    /// </summary>
    public int ReusedPromptTokens { get; private set; }

    /// <summary>Gets a value indicating whether the generation reused a pooled session (<see cref="ReusedPromptTokens"/> is positive).</summary>
    public bool ReusedSession => ReusedPromptTokens > 0;

    /// <summary>Gets the tokens per second after the first token (decoding only, the prompt pass excluded).</summary>
    public double DecodeTokensPerSecond => PerSecond(GeneratedTokens - 1, TotalTime - TimeToFirstToken);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{GeneratedTokens} tokens in {TotalTime.TotalMilliseconds:F1} ms ({TokensPerSecond:F1} tok/s, decode {DecodeTokensPerSecond:F1} tok/s), " +
        $"TTFT {TimeToFirstToken.TotalMilliseconds:F1} ms, target calls {TargetCalls}, draft calls {DraftCalls}, " +
        $"accepted {AcceptedTokens}/{DraftedTokens} ({AcceptanceRate:P1}), mean accepted length {MeanAcceptedLength:F2}, stop {StopReason}";

    /// <summary>Records how many prompt tokens the generation's sessions already held (from a <see cref="SessionPool"/>).</summary>
    internal void RecordReuse(int reusedTokens) => ReusedPromptTokens = reusedTokens;

    /// <summary>Claims the instance for one run and resets it; <paramref name="draftTokens"/> is the most tokens a round drafts (0 without a draft).</summary>
    /// <exception cref="InvalidOperationException">Another run is still recording into this instance.</exception>
    internal void Begin(TimeProvider time, long startTimestamp, int promptTokens, int draftTokens)
    {
        if (Interlocked.Exchange(ref _recording, 1) != 0)
        {
            throw new InvalidOperationException(
                "This GenerationStats is already recording a generation that has not ended: a stream enumerated twice at once, or one instance passed to two concurrent generations. " +
                "Pass a separate GenerationStats to each generation that runs at the same time (or none), or finish or dispose the first enumeration before starting the next.");
        }

        _time = time;
        PromptTokens = promptTokens;
        GeneratedTokens = GrammarTokens = DraftedTokens = AcceptedTokens = EvaluatedTokens = Rounds = DraftRounds = TargetCalls = 0;
        LookupTokens = LookupAcceptedTokens = 0;
        DraftCalls = 0;
        ReusedPromptTokens = 0;
        StopReason = StopReason.None;
        _prefillTicks = _targetTicks = _draftTicks = 0;
        _hasFirstToken = _ended = false;
        if (_acceptedAt.Length != draftTokens)
        {
            _acceptedAt = new int[draftTokens];
            _evaluatedAt = new int[draftTokens];
            _roundsAt = draftTokens > 0 ? new int[draftTokens + 1] : [];
            _acceptedByPosition = new ReadOnlyCollection<int>(_acceptedAt);
            _evaluatedByPosition = new ReadOnlyCollection<int>(_evaluatedAt);
            _roundsByDraftLength = new ReadOnlyCollection<int>(_roundsAt);
        }

        Array.Clear(_acceptedAt);
        Array.Clear(_evaluatedAt);
        Array.Clear(_roundsAt);
        _startTimestamp = startTimestamp;
        _started = true;
    }

    /// <summary>Records the prompt pass: its duration in timestamp ticks and the draft's passes so far.</summary>
    internal void RecordPrefill(long ticks, long draftCalls)
    {
        _prefillTicks += ticks;
        TargetCalls++;
        DraftCalls = draftCalls;
    }

    /// <summary>Records an emitted token (the first one's time).</summary>
    internal void RecordToken(TokenSource source = TokenSource.Target)
    {
        GrammarTokens += source == TokenSource.Grammar ? 1 : 0;
        if (GeneratedTokens++ == 0)
        {
            _firstTokenTimestamp = _time.GetTimestamp();
            _hasFirstToken = true;
        }
    }

    /// <summary>
    /// Records one round: the draft length chosen, the proposals and how many were accepted, the draft's and the target's time,
    /// and how many of the proposals and of the accepted ones prompt lookup copied.
    /// </summary>
    internal void RecordRound(int chosen, int drafted, int accepted, long draftTicks, long verifyTicks, long draftCalls, int copied, int copiedAccepted)
    {
        LookupTokens += copied;
        LookupAcceptedTokens += copiedAccepted;
        _draftTicks += draftTicks;
        _targetTicks += verifyTicks;
        DraftCalls = draftCalls;
        TargetCalls++;
        Rounds++;
        if (_roundsAt.Length > 0)
        {
            _roundsAt[chosen]++;
        }

        if (drafted > 0)
        {
            DraftedTokens += drafted;
            DraftRounds++;
        }

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
    }

    /// <summary>Records the end of the run and releases the instance for the next one.</summary>
    internal void End(StopReason reason, long timestamp)
    {
        StopReason = reason;
        _endTimestamp = timestamp;
        _ended = true;
        Volatile.Write(ref _recording, 0);
    }

    private TimeSpan Elapsed(long ticks) => _time.GetElapsedTime(0, ticks);

    private static double PerSecond(int count, TimeSpan time) => time <= TimeSpan.Zero || count <= 0 ? 0 : count / time.TotalSeconds;
}
