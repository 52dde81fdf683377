using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using FastDraft.Internals.Generation;
using FastDraft.Internals.Sampling;
using FastDraft.Internals.Streaming;
using FastDraft.Internals.Telemetry;
using FastDraft.Internals.Verification;

namespace FastDraft;

/// <summary>
/// Generates tokens with a target model, speculatively: each round a draft proposes up to K
/// tokens, the target scores the previous token and all K proposals in one forward pass, the
/// longest prefix the target agrees with is kept, and the target's own next token is appended.
/// Greedy, the emitted tokens are exactly those the target would produce on its own; sampling,
/// each is drawn from exactly the target's processed distribution (speculative sampling).
/// </summary>
/// <remarks>
/// <para>
/// Without a draft the same generator decodes with the target alone, one pass per token: the
/// baseline every speed-up is measured against.
/// </para>
/// <para>
/// A generator's configuration is immutable and it may be used by any number of concurrent
/// generations; each generation owns its target and draft sessions (key/value caches) and disposes
/// them when its stream ends, is abandoned, fails or is cancelled, unless <see cref="SpeculativeOptions.SessionPool"/>
/// is set: then it takes them from the pool, reusing the longest prefix of the prompt they hold, and returns them to it
/// (disposing them only when the generation fails or is cancelled). The generator never disposes the models. The one thing generations share is what adaptive drafting learnt (acceptance, cost ratios):
/// each starts from the last finished one's, which changes how many tokens are drafted, never which
/// tokens are emitted.
/// </para>
/// <para>
/// Telemetry: each generation is recorded in its <see cref="GenerationStats"/> and, for whoever
/// listens, reported through the <c>FastDraft</c> meter and activity source (see
/// <see cref="FastDraftTelemetry"/>), timed by <see cref="SpeculativeOptions.TimeProvider"/>.
/// </para>
/// <para>
/// Widths: a draft model's vocabulary (<see cref="IDraftModel.VocabularySize"/>) may be wider or narrower than the
/// target's, as when a family pads its embeddings to different multiples; the ids both have must mean the same tokens
/// (check the tokenizers where the models' folders are known: <c>FastDraft.Text</c>'s <c>TokenizerCompatibility</c>).
/// The draft never proposes an id beyond the target's vocabulary, and its probability beyond its own is zero (see
/// <see cref="DraftSampler"/>), so the output stays exact. A context token the draft cannot read (an id beyond its
/// vocabulary, in the prompt or emitted by the target) ends drafting for the rest of that generation: the target goes
/// on alone, exactly, and the statistics show no more drafted tokens.
/// </para>
/// </remarks>
public sealed class SpeculativeGenerator
{
    /// <summary>Room for new tokens in a generation's first context buffer; longer generations grow it.</summary>
    private const int InitialRoom = 1024;

    /// <summary>The most tokens a constraint may force in one round (appended before the draft's proposals).</summary>
    private const int MaxForced = 64;
    private readonly TimeProvider _time;
    private readonly GenerationMetrics _metrics;
    private readonly DraftLengthController.DraftLengthMemory _draftMemory = new(); // what adaptive drafting learnt, for the next generation

    /// <summary>Initializes a generator.</summary>
    /// <param name="target">The model whose output is produced.</param>
    /// <param name="draft">
    /// What proposes tokens: another model (anything that is both, such as an ONNX model, can be
    /// passed directly), an <see cref="NGramDraftModel"/>, or <see langword="null"/> for target-only decoding.
    /// </param>
    /// <param name="options">Drafting options; <see langword="null"/> for the defaults.</param>
    /// <param name="tokenizer">The target's tokenizer, for text prompts, text pieces on every token and stop sequences; <see langword="null"/> for ids only.</param>
    /// <exception cref="ArgumentNullException"><paramref name="target"/> is <see langword="null"/>.</exception>
    /// <exception cref="ModelNotSupportedException">A draft is given but the target cannot verify several tokens in one pass.</exception>
    public SpeculativeGenerator(ITargetModel target, IDraftModel? draft = null, SpeculativeOptions? options = null, ITextTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= SpeculativeOptions.Default;
        options.Validate(nameof(options));

        ModelInfo info = target.Info;
        if (draft is not null)
        {
            if (!info.SupportsVerification)
            {
                throw new ModelNotSupportedException(
                    $"Model '{info.Name}' cannot be the target of speculative decoding: {info.VerificationUnsupportedReason} " +
                    "It can still decode on its own (no draft) or serve as a draft for another target.");
            }

            if (draft.VocabularySize is < 1)
            {
                throw new ArgumentException($"The draft's vocabulary size must be at least 1; it is {draft.VocabularySize}.", nameof(draft));
            }
        }

        Target = target;
        Draft = draft;
        Options = options;
        Tokenizer = tokenizer;
        _time = options.TimeProvider ?? TimeProvider.System;
        _metrics = GenerationMetrics.For(options.MeterFactory);
    }

    /// <summary>Gets the target model.</summary>
    public ITargetModel Target { get; }

    /// <summary>Gets the draft, or <see langword="null"/> for target-only decoding.</summary>
    public IDraftModel? Draft { get; }

    /// <summary>Gets the drafting options.</summary>
    public SpeculativeOptions Options { get; }

    /// <summary>Gets the tokenizer, or <see langword="null"/> when the generator works on ids only.</summary>
    public ITextTokenizer? Tokenizer { get; }

    /// <summary>Generates text that continues <paramref name="prompt"/>, streaming each token with its text piece.</summary>
    /// <param name="prompt">The prompt text, encoded with the tokenizer (special tokens added as its configuration says).</param>
    /// <param name="options">Per-request options; <see langword="null"/> for the defaults.</param>
    /// <param name="stats">Receives counters and timings while the generation runs (one run at a time); <see langword="null"/> when not wanted.</param>
    /// <param name="cancellationToken">Cancels the generation; enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The emitted tokens; <see cref="GeneratedToken.Text"/> concatenated is the generated text.</returns>
    /// <exception cref="InvalidOperationException">The generator has no tokenizer.</exception>
    /// <exception cref="ArgumentException">The prompt encodes to no tokens, or to ids outside the model's vocabulary, or does not fit the context.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in their first parameter (text or token ids) and share one optional tail, as IChatClient's do: no call binds to both.")]
    public IAsyncEnumerable<GeneratedToken> GenerateAsync(
        string prompt,
        GenerationOptions? options = null,
        GenerationStats? stats = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ITextTokenizer tokenizer = Tokenizer ?? throw new InvalidOperationException("This generator has no tokenizer: pass one to the constructor to generate from text.");
        return GenerateAsync(tokenizer.Encode(prompt).ToArray(), options, stats, cancellationToken);
    }

    /// <summary>Generates tokens that continue <paramref name="promptIds"/>, streaming each as soon as it is final.</summary>
    /// <param name="promptIds">The prompt's token ids (at least one); copied when this method is called.</param>
    /// <param name="options">Per-request options; <see langword="null"/> for the defaults.</param>
    /// <param name="stats">Receives counters and timings while the generation runs (one run at a time); <see langword="null"/> when not wanted.</param>
    /// <param name="cancellationToken">Cancels the generation; enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// The emitted tokens, each with its provenance. Enumerating twice generates twice, each run
    /// recording its own statistics (see <see cref="GenerationStats"/>: one instance records one run at
    /// a time). Enumeration throws <see cref="GenerationException"/> when a step's processed
    /// distribution leaves no token to choose (a processor masked every token, the model produced NaN):
    /// no id outside <c>[0, vocabulary)</c> is ever emitted.
    /// </returns>
    /// <exception cref="ArgumentException">The prompt is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A prompt token is outside the target's vocabulary, or the prompt leaves no room in the context, or the prompt plus
    /// <see cref="GenerationOptions.MaxNewTokens"/> exceeds the context length and <see cref="GenerationOptions.StopAtContextLimit"/> is not set.
    /// </exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in their first parameter (text or token ids) and share one optional tail, as IChatClient's do: no call binds to both.")]
    public IAsyncEnumerable<GeneratedToken> GenerateAsync(
        ReadOnlyMemory<int> promptIds,
        GenerationOptions? options = null,
        GenerationStats? stats = null,
        CancellationToken cancellationToken = default)
    {
        options ??= GenerationOptions.Default;
        ModelInfo info = Target.Info;
        ReadOnlySpan<int> prompt = promptIds.Span;
        if (prompt.IsEmpty)
        {
            throw new ArgumentException("The prompt must hold at least one token.", nameof(promptIds));
        }

        for (int i = 0; i < prompt.Length; i++)
        {
            if ((uint)prompt[i] >= (uint)info.VocabularySize)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(promptIds),
                    prompt[i],
                    $"Token id {prompt[i]} at prompt position {i} is outside the vocabulary of model '{info.Name}' (size {info.VocabularySize}).");
            }
        }

        options.Validate(info, prompt.Length, nameof(options));
        if (options.StopSequences is { Count: > 0 } && Tokenizer is null)
        {
            throw new ArgumentException("StopSequences need a tokenizer: pass one to the generator's constructor.", nameof(options));
        }

        return GenerateCore(prompt.ToArray(), options, stats, cancellationToken);
    }

    /// <summary>
    /// One enumeration's telemetry around its decoding: starts recording when the enumeration starts,
    /// notes the exception it fails with, and ends the record however it ends (stopped, failed,
    /// cancelled, or abandoned by its consumer).
    /// </summary>
    private async IAsyncEnumerable<GeneratedToken> GenerateCore(
        int[] prompt,
        GenerationOptions options,
        GenerationStats? stats,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Each enumeration records its own run: into the caller's statistics, claimed until the stream
        // ends (a second enumeration into the same object meanwhile throws here), or into fresh ones.
        var telemetry = new GenerationRecorder(_metrics, stats ?? new GenerationStats(), _time, Target.Info.Name, Draft, Options.DraftTokens, prompt.Length, options);
        var sessions = new GenerationSessions(Target, Draft, Options.SessionPool, telemetry);
        IAsyncEnumerator<GeneratedToken> tokens = Decode(prompt, options, sessions, telemetry, cancellationToken).GetAsyncEnumerator(CancellationToken.None); // the token is Decode's already
        try
        {
            while (true)
            {
                try
                {
                    if (!await tokens.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception exception)
                {
                    sessions.Fault(); // perhaps within a forward pass: the sessions are not pooled
                    telemetry.Fail(exception, cancellationToken);
                    throw;
                }

                yield return tokens.Current;
            }
        }
        finally
        {
            try
            {
                await tokens.DisposeAsync().ConfigureAwait(false); // the decoding's own clean-up: sessions, pooled buffers
            }
            finally
            {
                sessions.Dispose(); // back to the pool, or disposed
                telemetry.End();
            }
        }
    }

    private async IAsyncEnumerable<GeneratedToken> Decode(
        int[] prompt,
        GenerationOptions options,
        GenerationSessions sessions,
        GenerationRecorder telemetry,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int maxNewTokens = options.NewTokenLimit(prompt.Length, Target.Info.ContextLength);
        int capacity = prompt.Length + maxNewTokens; // validated: at most the context length
        int vocabulary = Target.Info.VocabularySize;
        int draftVocabulary = Draft?.VocabularySize ?? vocabulary; // a draft without a model proposes target ids
        bool draftReads = Draft is not null && AllBelow(prompt, draftVocabulary); // false once the context holds an id the draft cannot read
        var stops = new StopTokens(Target.Info, options, contextEndsFirst: maxNewTokens < options.MaxNewTokens);
        StopReason reason = StopReason.None;

        // The context holds the prompt, the emitted tokens and, right after them, the current
        // round's drafted tokens: every position's context is a prefix of it, and the verification
        // input (the pending token and the drafts) is a slice of it. It is pooled, and grows as the
        // generation gets long: MaxNewTokens bounds it, but a generation may end far sooner. This
        // loop writes it, except the round's proposal span, which it lends to the draft (and to the
        // draft sampler, handed the buffer afresh each round) until the proposal is made.
        int[] context = ArrayPool<int>.Shared.Rent(Math.Min(capacity, prompt.Length + InitialRoom));
        try
        {
            using var sampler = new TokenSampler(options, vocabulary, prompt.Length, needsWorkBuffer: Options.DraftConfidenceThreshold > 0);
            using var draftSampler = new DraftSampler(sampler, vocabulary, Options.DraftTokens, Options.DraftConfidenceThreshold, draftVocabulary: draftVocabulary);
            var draftLength = new DraftLengthController(Options.DraftTokens, Options.AdaptiveDraftTokens && (sampler.IsGreedy || options.Seed is null), _draftMemory);
            (IModelSession target, IDraftSession? pooledDraft, int cached) = sessions.Open(prompt, capacity); // cached: prompt tokens a pooled session holds
            IDraftSession? draft = draftReads ? pooledDraft : null; // a draft that cannot read the prompt sits this generation out
            TextStream? text = Tokenizer is null ? null : new TextStream(Tokenizer.CreateStreamingDecoder(), options.StopSequences ?? []);
            prompt.CopyTo(context, 0);
            int length = prompt.Length;

            // Prompt pass (over what the session does not hold yet): its last row gives the first token, from the target alone.
            long started = _time.GetTimestamp();
            target.Append(prompt.AsSpan(cached), cancellationToken);
            context[length] = sampler.Choose(target.GetLogits(prompt.Length - cached - 1), context.AsSpan(0, length));
            long targetRead = _time.GetTimestamp();
            draft?.Propose(context.AsSpan(0, length), [], draftSampler, cancellationToken); // the draft reads the prompt now too
            long draftRead = _time.GetTimestamp();
            draftLength.RecordPromptPasses(draftRead - targetRead, targetRead - started);
            telemetry.PromptPass(targetRead - started, draftRead - targetRead, draft?.ModelCalls ?? 0);
            int produced = 1;
            int generated = 0;
            int emitted = 0;
            int forced = 0;
            TokenSource source = TokenSource.Target;

            while (true)
            {
                // Emit what the last pass produced, already in place in the context: the accepted
                // proposals, then the target's own token. A stop token ends the generation where it
                // stands. With a tokenizer, tokens go out with their text, except text (and its
                // tokens) that could still begin a stop sequence, held until it cannot, or dropped.
                for (int i = 0; i < produced && reason == StopReason.None; i++)
                {
                    int token = context[length++];
                    draftReads &= token < draftVocabulary;
                    TokenSource from = i < forced ? TokenSource.Grammar
                        : i == produced - 1 ? source
                        : draftSampler.IsCopied(i - forced) ? TokenSource.Lookup
                        : draftSampler.IsForced(i - forced) ? TokenSource.Grammar
                        : TokenSource.Draft;
                    reason = stops.Check(token, ++generated, maxNewTokens);
                    if (text is null)
                    {
                        telemetry.Token(from);
                        yield return new GeneratedToken(token, from, emitted++);
                        continue;
                    }

                    bool stopSequence = text.Add(token, from, last: reason != StopReason.None);
                    foreach (ReleasedToken released in text.Released)
                    {
                        telemetry.Token(released.Source);
                        yield return new GeneratedToken(released.Id, released.Source, emitted++, released.Text);
                    }

                    reason = stopSequence ? StopReason.StopSequence : reason;
                }

                if (reason != StopReason.None)
                {
                    draftLength.Remember();
                    telemetry.Stop(reason);
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();

                // Draft: first the tokens the constraint forces (its only choice: free, no draft pass),
                // then up to K proposals into the context (K adapted to what drafting has been worth so
                // far), never more than the remaining budget can emit (each round emits the accepted
                // proposals plus one target token).
                int chosen = draftLength.Next();
                int room = maxNewTokens - generated - 1;
                context = Reserve(context, length, length + Math.Min(room, MaxForced + chosen) + 1, capacity);
                forced = Target.Info.SupportsVerification ? sampler.Forced(context.AsSpan(0, length), context.AsSpan(length, Math.Min(room, MaxForced))) : 0;
                int budget = Math.Min(chosen, room - forced);
                int drafted = forced;
                long draftTicks = 0;
                draftSampler.Begin(context, length + forced, budget, forced);
                if (draft is not null && draftReads && budget > 0)
                {
                    started = _time.GetTimestamp();
                    drafted += draft.Propose(context.AsSpan(0, length + forced), context.AsSpan(length + forced, budget), draftSampler, cancellationToken);
                    draftSampler.CheckProposal(context.AsSpan(length + forced, drafted - forced));
                    draftTicks = _time.GetTimestamp() - started;
                }

                // Verify: one target pass over the pending token (emitted, not yet cached) and every
                // proposal. Greedy: accept while the target's argmax agrees. Sampling: accept with
                // probability min(1, p/q), else draw the target's token from the residual.
                started = _time.GetTimestamp();
                target.Append(context.AsSpan(length - 1, drafted + 1), cancellationToken);
                Verdict verdict = sampler.IsGreedy
                    ? GreedyVerifier.Verify(target, context, length, drafted, sampler)
                    : SpeculativeSamplingVerifier.Verify(target, context, length, drafted, draftSampler, sampler);

                // Roll back, the target and the draft alike: each keeps the context up to the pending
                // token and the accepted proposals (the draft's share of the time is the draft's). The
                // target's token goes over the first rejected proposal.
                int kept = length + verdict.Accepted;
                target.Truncate(kept);
                long verifyTicks = _time.GetTimestamp() - started;
                if (draft is not null)
                {
                    started = _time.GetTimestamp();
                    draft.Truncate(kept);
                    draftTicks += _time.GetTimestamp() - started;
                }

                int proposedAccepted = Math.Max(0, verdict.Accepted - forced); // forced tokens are the constraint's, not the draft's
                draftLength.Record(drafted - forced, proposedAccepted, draftTicks, verifyTicks);
                telemetry.Round(chosen, drafted - forced, proposedAccepted, draftTicks, verifyTicks, draft?.ModelCalls ?? 0, draftSampler.CopiedCount(drafted - forced), draftSampler.CopiedCount(proposedAccepted));
                context[length + verdict.Accepted] = verdict.Next;
                produced = verdict.Accepted + 1;
                source = drafted == forced ? TokenSource.Target
                    : verdict.Accepted == drafted ? TokenSource.Bonus
                    : TokenSource.Correction;
                forced = Math.Min(forced, verdict.Accepted);
            }
        }
        finally
        {
            sessions.Keep(context); // the tokens the target's cache holds, for a pool
            ArrayPool<int>.Shared.Return(context);
        }
    }

    /// <summary>Whether every token is below <paramref name="limit"/>: a draft of that vocabulary can read them.</summary>
    private static bool AllBelow(ReadOnlySpan<int> tokens, int limit)
    {
        foreach (int token in tokens)
        {
            if (token >= limit)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Grows the pooled context buffer to hold at least <paramref name="needed"/> tokens (doubling,
    /// never beyond the generation's capacity), keeping its first <paramref name="length"/>.
    /// </summary>
    private static int[] Reserve(int[] context, int length, int needed, int capacity)
    {
        if (needed <= context.Length)
        {
            return context;
        }

        int[] grown = ArrayPool<int>.Shared.Rent((int)Math.Min(capacity, Math.Max(needed, 2L * context.Length)));
        context.AsSpan(0, length).CopyTo(grown);
        ArrayPool<int>.Shared.Return(context);
        return grown;
    }

    /// <summary>The token ids that end a generation, checked after every emitted token.</summary>
    /// <remarks>The generation's token limit is MaxNewTokens, or the room left in the context when that ends it first (<see cref="GenerationOptions.StopAtContextLimit"/>).</remarks>
    private readonly struct StopTokens(ModelInfo info, GenerationOptions options, bool contextEndsFirst)
    {
        private readonly int[] _endOfSequence = options.IgnoreEndOfSequence ? [] : [.. info.EndOfSequenceTokenIds];
        private readonly int[] _extra = options.StopTokenIds is { } ids ? [.. ids] : [];
        private readonly StopReason _atLimit = contextEndsFirst ? StopReason.ContextLimit : StopReason.MaxNewTokens;

        public StopReason Check(int token, int generated, int maxNewTokens) =>
            _endOfSequence.AsSpan().Contains(token) ? StopReason.EndOfSequence
            : _extra.AsSpan().Contains(token) ? StopReason.StopToken
            : generated >= maxNewTokens ? _atLimit
            : StopReason.None;
    }
}
