namespace FastDraft;

/// <summary>Options for one generation request.</summary>
public sealed record GenerationOptions
{
    /// <summary>Gets the default options.</summary>
    public static GenerationOptions Default { get; } = new();

    /// <summary>The value of <see cref="MaxNewTokens"/> when it is not set.</summary>
    public const int DefaultMaxNewTokens = 128;

    private readonly int? _maxNewTokens;

    /// <summary>Gets the most tokens to generate; at least 1, default 128 (<see cref="DefaultMaxNewTokens"/>).</summary>
    /// <remarks>
    /// The prompt plus this many tokens must fit the model's context (<see cref="ModelInfo.ContextLength"/>), or
    /// the request is refused when it is made, unless <see cref="StopAtContextLimit"/> is set.
    /// </remarks>
    public int MaxNewTokens
    {
        get => _maxNewTokens ?? DefaultMaxNewTokens;
        init => _maxNewTokens = value;
    }

    /// <summary>
    /// Gets a value indicating whether a request whose prompt plus <see cref="MaxNewTokens"/> exceeds the model's
    /// context is accepted and ends, with <see cref="StopReason.ContextLimit"/>, when the prompt and the generated
    /// tokens fill the context. Off by default: such a request is refused with
    /// <see cref="ArgumentOutOfRangeException"/>, naming the numbers. Either way a prompt that leaves no room for one
    /// new token is refused.
    /// </summary>
    public bool StopAtContextLimit { get; init; }

    /// <summary>
    /// Gets extra token ids that end the generation, beside the model's end-of-sequence ids. The
    /// stop token itself is emitted as the last token.
    /// </summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    /// <summary>
    /// Gets strings that end the generation when the generated text reaches one (the generator needs a
    /// tokenizer). The stop sequence and everything after it are never emitted, also when it spans
    /// tokens or falls inside an accepted draft block; only text that could still begin one is held back.
    /// </summary>
    public IReadOnlyList<string>? StopSequences { get; init; }

    /// <summary>
    /// Gets a value indicating whether the model's end-of-sequence ids
    /// (<see cref="ModelInfo.EndOfSequenceTokenIds"/>) are ignored, so that the generation runs to
    /// <see cref="MaxNewTokens"/> unless a <see cref="StopTokenIds"/> entry appears.
    /// </summary>
    public bool IgnoreEndOfSequence { get; init; }

    /// <summary>The smallest sampling temperature above 0: smaller ones make logits / temperature overflow (use 0 to decode greedily).</summary>
    internal const float MinTemperature = 1e-6f;

    /// <summary>The bounds of <see cref="RepetitionPenalty"/>: beyond them, dividing or multiplying logits by it overflows or underflows.</summary>
    internal const float MaxRepetitionPenalty = 1e6f;

    /// <summary>The largest magnitude of <see cref="PresencePenalty"/>: beyond it, a penalized logit can overflow once divided by the temperature.</summary>
    internal const float MaxPresencePenalty = 1e6f;

    /// <summary>
    /// Gets the sampling temperature: 0 (the default) decodes greedily, taking the argmax; at or above
    /// 1e-6 (smaller ones overflow) tokens are drawn from softmax(logits / temperature), after the processors below.
    /// </summary>
    public float Temperature { get; init; }

    /// <summary>Gets the number of most likely tokens sampling keeps (ties at the boundary kept); 0, the default, keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Gets the nucleus: sampling keeps the smallest set of most likely tokens whose probability reaches it (ties at the boundary kept). In (0, 1]; default 1 (off).</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Gets the min-p floor: sampling drops tokens less likely than MinP × the most likely token's probability. In [0, 1]; default 0 (off).</summary>
    public float MinP { get; init; }

    /// <summary>
    /// Gets the repetition penalty applied to every token already in the context (prompt and
    /// output): positive logits are divided by it, negative ones multiplied. In
    /// [1e-6, 1e6] (beyond, penalized logits overflow or vanish); default 1 (off).
    /// Applies to greedy decoding too.
    /// </summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>
    /// Gets the amount subtracted from the logit of every token already in the context; default 0 (off),
    /// at most 1e6 in magnitude. Applies to greedy decoding too.
    /// </summary>
    public float PresencePenalty { get; init; }

    /// <summary>
    /// Gets the seed of the generation's random numbers (xoshiro256**, seeded through SplitMix64):
    /// the same seed, prompt, models and options give the same tokens on every run and platform.
    /// <see langword="null"/> (the default) draws a random seed.
    /// </summary>
    public long? Seed { get; init; }

    /// <summary>
    /// Gets extra logits processors, applied in order after the penalties and before temperature,
    /// identically to the target's and the draft's logits (see <see cref="ILogitsProcessor"/>).
    /// </summary>
    public IReadOnlyList<ILogitsProcessor>? LogitsProcessors { get; init; }

    /// <summary>
    /// Gets a constraint on the generated tokens (such as FastDraft.Text's <c>JsonConstraint</c>), applied after
    /// <see cref="LogitsProcessors"/> to the target's and the draft's logits alike; tokens it forces are appended
    /// without a draft pass (<see cref="TokenSource.Grammar"/>). <see langword="null"/> (the default) for none.
    /// </summary>
    public ITokenConstraint? Constraint { get; init; }

    /// <summary>
    /// Gets the most tokens a generation from a prompt of <paramref name="promptLength"/> tokens may emit on a model
    /// with a context of <paramref name="contextLength"/> tokens: <see cref="MaxNewTokens"/>, or less when
    /// <see cref="StopAtContextLimit"/> lets the context end the generation first. Call after <see cref="Validate"/>.
    /// </summary>
    internal int NewTokenLimit(int promptLength, int contextLength) =>
        StopAtContextLimit ? Math.Min(MaxNewTokens, contextLength - promptLength) : MaxNewTokens;

    internal void Validate(ModelInfo target, int promptLength, string paramName)
    {
        ValidateSampling(paramName);
        if (MaxNewTokens < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, MaxNewTokens, "MaxNewTokens must be at least 1.");
        }

        // Messages name what the caller set (or left at its default), never an internal count.
        if (promptLength >= target.ContextLength)
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                $"The prompt is {promptLength} tokens, but model '{target.Name}' holds {target.ContextLength} tokens in all (prompt and generated ones): " +
                $"it leaves no room for a new token. Shorten the prompt to at most {target.ContextLength - 1} tokens.");
        }

        if ((long)promptLength + MaxNewTokens > target.ContextLength && !StopAtContextLimit)
        {
            string setting = _maxNewTokens is null ? $"MaxNewTokens ({MaxNewTokens}, the default)" : $"MaxNewTokens ({MaxNewTokens})";
            throw new ArgumentOutOfRangeException(
                paramName,
                $"The prompt ({promptLength} tokens) plus {setting} is {(long)promptLength + MaxNewTokens} tokens, beyond the context of model '{target.Name}' ({target.ContextLength} tokens). " +
                $"Set MaxNewTokens to at most {target.ContextLength - promptLength}, or set StopAtContextLimit to end the generation when the context is full.");
        }

        if (StopTokenIds is { } stops)
        {
            foreach (int id in stops)
            {
                if ((uint)id >= (uint)target.VocabularySize)
                {
                    throw new ArgumentOutOfRangeException(paramName, id, $"Stop token id {id} is outside the vocabulary of model '{target.Name}' (size {target.VocabularySize}).");
                }
            }
        }
    }

    internal void ValidateSampling(string paramName)
    {
        static void Check(bool valid, string paramName, object value, string message)
        {
            if (!valid)
            {
                throw new ArgumentOutOfRangeException(paramName, value, message);
            }
        }

        Check(Temperature == 0 || Temperature is >= MinTemperature and <= float.MaxValue, paramName, Temperature, $"Temperature must be 0 (greedy) or a finite number of at least 1e-6 (smaller ones overflow logits / temperature), not {Temperature}.");
        Check(TopK >= 0, paramName, TopK, $"TopK must be at least 0 (0 keeps every token), not {TopK}.");
        Check(TopP is > 0f and <= 1f, paramName, TopP, $"TopP must be in (0, 1] (1 keeps every token), not {TopP}.");
        Check(MinP is >= 0f and <= 1f, paramName, MinP, $"MinP must be in [0, 1] (0 keeps every token), not {MinP}.");
        Check(RepetitionPenalty is >= 1 / MaxRepetitionPenalty and <= MaxRepetitionPenalty, paramName, RepetitionPenalty, $"RepetitionPenalty must be between 1e-6 and 1e6 (1 is off; beyond, penalized logits overflow or vanish), not {RepetitionPenalty}.");
        Check(PresencePenalty is >= -MaxPresencePenalty and <= MaxPresencePenalty, paramName, PresencePenalty, $"PresencePenalty must be between -1e6 and 1e6 (0 is off; beyond, penalized logits overflow), not {PresencePenalty}.");
        if (StopSequences is { } sequences && sequences.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("StopSequences must not contain null or empty strings.", paramName);
        }

        if (LogitsProcessors is { } processors && processors.Any(p => p is null))
        {
            throw new ArgumentException("LogitsProcessors must not contain null.", paramName);
        }
    }
}
