using System.Buffers;
using System.Numerics.Tensors;

namespace FastDraft.Internals.Sampling;

/// <summary>
/// One generation's logits processors and random draws: the processed distribution of the next
/// token (repetition and presence penalties, custom processors, temperature, top-k, top-p, min-p,
/// in that order, as in Hugging Face transformers), the processed argmax when greedy, and draws
/// from distributions and speculative-sampling residuals.
/// </summary>
/// <remarks>
/// Buffers are rented once, when the generation starts, and returned on <see cref="Dispose"/>: no
/// step allocates. Random numbers come from xoshiro256** seeded with <see cref="GenerationOptions.Seed"/>
/// (a random seed when unset), consumed in a fixed order, so a seed always gives the same tokens.
/// A row that leaves nothing to choose (every logit -infinity, a NaN, or, when sampling, an infinite
/// logit) throws <see cref="GenerationException"/> naming the step: no path returns an id outside
/// the vocabulary.
/// </remarks>
internal sealed class TokenSampler : IDisposable
{
    private readonly int _vocabulary;
    private readonly int _promptLength;
    private readonly float _temperature;
    private readonly int _topK;
    private readonly float _topP;
    private readonly float _minP;
    private readonly float _repetitionPenalty;
    private readonly float _presencePenalty;
    private readonly ILogitsProcessor[] _processors;
    private readonly ITokenMatcher? _matcher;
    private readonly bool _penalizes;
    private readonly float[]? _target;
    private readonly float[]? _work;
    private readonly float[]? _keys;
    private readonly bool[]? _seen;
    private Xoshiro256StarStar _random;

    /// <summary>Initializes the sampler of one generation.</summary>
    /// <param name="options">The generation's (validated) options.</param>
    /// <param name="vocabulary">The number of logits per row.</param>
    /// <param name="promptLength">The prompt's length, so that errors can name the generated token at fault.</param>
    /// <param name="needsWorkBuffer">Whether a scratch row is needed even when greedy (the draft confidence stop measures the top probability).</param>
    public TokenSampler(GenerationOptions options, int vocabulary, int promptLength = 0, bool needsWorkBuffer = false)
    {
        _vocabulary = vocabulary;
        _promptLength = promptLength;
        _temperature = options.Temperature;
        _topK = options.TopK > 0 && options.TopK < vocabulary ? options.TopK : 0;
        _topP = options.TopP;
        _minP = options.MinP;
        _repetitionPenalty = options.RepetitionPenalty;
        _presencePenalty = options.PresencePenalty;
        _processors = options.LogitsProcessors is { } processors ? [.. processors] : [];
        _matcher = options.Constraint?.CreateMatcher();
        _penalizes = _repetitionPenalty != 1f || _presencePenalty != 0f;
        Adjusts = _penalizes || _processors.Length > 0 || _matcher is not null;
        _random = new Xoshiro256StarStar(options.Seed is long seed ? (ulong)seed : (ulong)Random.Shared.NextInt64());

        if (!IsGreedy || Adjusts || needsWorkBuffer)
        {
            _work = ArrayPool<float>.Shared.Rent(vocabulary);
        }

        if (!IsGreedy)
        {
            _target = ArrayPool<float>.Shared.Rent(vocabulary);
        }

        if (!IsGreedy && (_topK > 0 || _topP < 1f))
        {
            _keys = ArrayPool<float>.Shared.Rent(vocabulary);
        }

        if (_penalizes)
        {
            _seen = ArrayPool<bool>.Shared.Rent(vocabulary);
            Array.Clear(_seen);
        }
    }

    /// <summary>Gets a value indicating whether tokens are chosen by (processed) argmax: temperature 0.</summary>
    public bool IsGreedy => _temperature == 0f;

    /// <summary>Gets a value indicating whether logits are changed before the argmax or the temperature (penalties, custom processors).</summary>
    public bool Adjusts { get; }

    /// <summary>The greedy choice: the argmax of the adjusted logits (of the raw logits when nothing adjusts them).</summary>
    /// <remarks>
    /// An infinite maximum is a valid choice here (a processor may force a token with +infinity); a
    /// row whose maximum is NaN or -infinity (everything masked) throws: IndexOfMax would still
    /// return an index, but not one the model chose.
    /// </remarks>
    public int Argmax(ReadOnlySpan<float> logits, ReadOnlySpan<int> context, bool draft = false)
    {
        if (Adjusts)
        {
            Span<float> work = _work.AsSpan(0, _vocabulary);
            logits.CopyTo(work);
            Adjust(work, context);
            logits = work;
        }

        int token = TensorPrimitives.IndexOfMax(logits);
        if (!(logits[token] > float.NegativeInfinity))
        {
            throw Degenerate(logits[token], context.Length, draft);
        }

        return token;
    }

    /// <summary>The probability of the most likely token after <paramref name="context"/> at temperature 1, after the adjusting processors.</summary>
    public float TopProbability(ReadOnlySpan<float> logits, ReadOnlySpan<int> context)
    {
        Span<float> work = _work is null ? new float[_vocabulary] : _work.AsSpan(0, _vocabulary);
        logits.CopyTo(work);
        Adjust(work, context);
        float max = TensorPrimitives.Max(work);
        TensorPrimitives.Subtract(work, max, work);
        TensorPrimitives.Exp(work, work);
        return 1f / TensorPrimitives.Sum(work);
    }

    /// <summary>The token after <paramref name="context"/>: the argmax when greedy, else a draw from the processed distribution.</summary>
    public int Choose(ReadOnlySpan<float> logits, ReadOnlySpan<int> context) =>
        IsGreedy ? Argmax(logits, context) : Draw(TargetDistribution(logits, context));

    /// <summary>The processed distribution of the token after <paramref name="context"/>, in a buffer valid until the next call.</summary>
    /// <exception cref="GenerationException">The processed logits leave no token to choose.</exception>
    public ReadOnlySpan<float> TargetDistribution(ReadOnlySpan<float> logits, ReadOnlySpan<int> context)
    {
        Span<float> target = _target.AsSpan(0, _vocabulary);
        Distribution(logits, context, target);
        return target;
    }

    /// <summary>Writes the processed distribution of the token after <paramref name="context"/> into <paramref name="probabilities"/>.</summary>
    /// <exception cref="GenerationException">The processed logits leave no token to choose.</exception>
    public void Distribution(ReadOnlySpan<float> logits, ReadOnlySpan<int> context, Span<float> probabilities, bool draft = false)
    {
        probabilities = probabilities[.._vocabulary];
        logits.CopyTo(probabilities);
        Adjust(probabilities, context);
        if (_temperature != 1f)
        {
            TensorPrimitives.Divide(probabilities, _temperature, probabilities);
        }

        // One check for the three rows softmax cannot weigh: max is NaN when any logit is NaN,
        // +infinity would give inf − inf = NaN below, -infinity means every token is masked.
        // Top-k keeps the maximum, so it is also the maximum after top-k.
        float max = TensorPrimitives.Max(probabilities);
        if (!float.IsFinite(max))
        {
            throw Degenerate(max, context.Length, draft);
        }

        if (_topK > 0)
        {
            Span<float> keys = _keys.AsSpan(0, _vocabulary);
            probabilities.CopyTo(keys);
            float threshold = Selection.KthLargest(keys, _topK - 1);
            for (int i = 0; i < probabilities.Length; i++)
            {
                if (probabilities[i] < threshold)
                {
                    probabilities[i] = float.NegativeInfinity;
                }
            }
        }

        TensorPrimitives.Subtract(probabilities, max, probabilities);
        TensorPrimitives.Exp(probabilities, probabilities);
        Normalize(probabilities);

        if (_topP < 1f)
        {
            KeepNucleus(probabilities);
        }

        if (_minP > 0f)
        {
            float floor = _minP * TensorPrimitives.Max(probabilities);
            for (int i = 0; i < probabilities.Length; i++)
            {
                if (probabilities[i] < floor)
                {
                    probabilities[i] = 0f;
                }
            }

            Normalize(probabilities);
        }
    }

    /// <summary>Writes the tokens the constraint forces after <paramref name="context"/> (none without a constraint); returns how many.</summary>
    public int Forced(ReadOnlySpan<int> context, Span<int> destination) =>
        _matcher is null || destination.IsEmpty ? 0 : _matcher.GetForcedTokens(context[_promptLength..], destination);

    /// <summary>A uniform number in [0, 1).</summary>
    public double NextUniform() => _random.NextDouble();

    /// <summary>Draws a token from a distribution (normalised here, so a residual need not be).</summary>
    public int Draw(ReadOnlySpan<float> probabilities)
    {
        double total = 0;
        foreach (float p in probabilities)
        {
            total += p;
        }

        double target = NextUniform() * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probabilities.Length; i++)
        {
            float p = probabilities[i];
            if (p > 0)
            {
                cumulative += p;
                last = i;
                if (cumulative > target)
                {
                    return i;
                }
            }
        }

        // Unreachable for the distributions built here (the maximum always keeps probability 1 before
        // normalising); a guard so that no caller can ever see an id outside the vocabulary.
        return last >= 0 ? last : throw new GenerationException("Cannot draw a token: the distribution has no token of positive probability.");
    }

    /// <summary>Draws from normalize(max(0, p − q)), or from p when that is all zero (p = q).</summary>
    public int DrawResidual(ReadOnlySpan<float> p, ReadOnlySpan<float> q)
    {
        Span<float> residual = _work.AsSpan(0, _vocabulary);
        TensorPrimitives.Subtract(p, q, residual);
        TensorPrimitives.Max(residual, 0f, residual);
        return TensorPrimitives.Sum(residual) > 0f ? Draw(residual) : Draw(p);
    }

    /// <summary>Draws from the residual of p against a point mass on <paramref name="token"/>: p without that token, renormalised.</summary>
    public int DrawResidualWithout(ReadOnlySpan<float> p, int token)
    {
        Span<float> residual = _work.AsSpan(0, _vocabulary);
        p.CopyTo(residual);
        residual[token] = 0f;
        return TensorPrimitives.Sum(residual) > 0f ? Draw(residual) : Draw(p);
    }

    public void Dispose()
    {
        Return(_target);
        Return(_work);
        Return(_keys);
        if (_seen is not null)
        {
            ArrayPool<bool>.Shared.Return(_seen);
        }
    }

    /// <summary>The error for a row with nothing to choose, naming the model, the step and the cause.</summary>
    private GenerationException Degenerate(float max, int position, bool draft)
    {
        string cause = float.IsNaN(max) ? "a logit is NaN (the model produced it, or a logits processor did)"
            : float.IsPositiveInfinity(max) ? "a logit is +infinity (the model produced it, a logits processor did, or dividing by the temperature overflowed), which sampling cannot weigh"
            : "every token's logit is -infinity (a logits processor masked them all)";
        int index = position - _promptLength;
        return new GenerationException(
            $"Cannot choose generated token {index} (context position {position}): {cause}, in the {(draft ? "draft" : "target")} model's processed logits.",
            position,
            index);
    }

    private static void Return(float[]? array)
    {
        if (array is not null)
        {
            ArrayPool<float>.Shared.Return(array);
        }
    }

    private static void Normalize(Span<float> probabilities) =>
        TensorPrimitives.Divide(probabilities, TensorPrimitives.Sum(probabilities), probabilities);

    /// <summary>Penalties on every token present in the context (once per distinct token), then the custom processors.</summary>
    private void Adjust(Span<float> logits, ReadOnlySpan<int> context)
    {
        if (_penalizes)
        {
            bool[] seen = _seen!;
            foreach (int token in context)
            {
                if (!seen[token])
                {
                    seen[token] = true;
                    float value = logits[token];
                    value = value > 0 ? value / _repetitionPenalty : value * _repetitionPenalty;
                    logits[token] = value - _presencePenalty;
                }
            }

            foreach (int token in context)
            {
                seen[token] = false;
            }
        }

        foreach (ILogitsProcessor processor in _processors)
        {
            processor.Process(logits, context);
        }

        _matcher?.Mask(logits, context[_promptLength..]);
    }

    /// <summary>Keeps the smallest set of most probable tokens whose mass reaches top-p (ties at the boundary all kept).</summary>
    private void KeepNucleus(Span<float> probabilities)
    {
        // Tokens below (1 − top-p) / V can never be in the nucleus: all of them together hold less than
        // 1 − top-p, so the tokens above already reach top-p. Leaving them out of the selection makes it
        // several times cheaper on real (peaked) distributions. Halved against rounding.
        float floor = Math.Max(float.Epsilon, (float)(0.5 * (1 - _topP) / _vocabulary));
        Span<float> candidates = _keys.AsSpan(0, _vocabulary);
        int count = 0;
        foreach (float p in probabilities)
        {
            if (p >= floor)
            {
                candidates[count++] = p;
            }
        }

        float threshold = Selection.NucleusThreshold(candidates[..count], _topP);
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] < threshold)
            {
                probabilities[i] = 0f;
            }
        }

        Normalize(probabilities);
    }
}
