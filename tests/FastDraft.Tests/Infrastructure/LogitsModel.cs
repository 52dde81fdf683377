namespace FastDraft.Tests.Infrastructure;

/// <summary>The logits a fake model gives after a context (a fresh array, or a reused one the model fills).</summary>
internal delegate void FillLogits(ReadOnlySpan<int> context, Span<float> logits);

/// <summary>
/// A fake language model whose logits are any function of the context: for tests that need real
/// distributions, NaN or infinite logits, or a <see cref="ModelInfo"/> that claims an extreme context.
/// Sessions allocate nothing per pass, and nothing sized by their capacity.
/// </summary>
internal sealed class LogitsModel(int vocabularySize, FillLogits fill, int contextLength = 4096, string name = "logits-fake") : ITargetModel
{
    public ModelInfo Info { get; } = new() { Name = name, VocabularySize = vocabularySize, ContextLength = contextLength };

    /// <summary>A model whose logits are a seeded hash of the context: a varied, reproducible distribution in [-4, 4].</summary>
    public static LogitsModel Hashed(int vocabularySize, int seed, int contextLength = 4096) => new(
        vocabularySize,
        (context, logits) =>
        {
            ulong state = (ulong)seed * 0x9E3779B97F4A7C15UL;
            foreach (int token in context)
            {
                state = (state ^ (ulong)token) * 0xBF58476D1CE4E5B9UL;
            }

            for (int i = 0; i < logits.Length; i++)
            {
                state = (state ^ (state >> 31)) * 0x94D049BB133111EBUL;
                logits[i] = ((state >> 40) / (float)(1UL << 24) * 8f) - 4f;
            }
        },
        contextLength);

    public IModelSession CreateSession(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, Info.ContextLength);
        return new Session(this, capacity);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    private sealed class Session(LogitsModel model, int capacity) : IModelSession
    {
        private readonly List<int> _tokens = [];
        private readonly float[] _logits = new float[model.Info.VocabularySize];
        private int _lastStart;
        private int _lastCount;

        public int Length => _tokens.Count;

        public int Capacity => capacity;

        public void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_tokens.Count + tokens.Length > capacity)
            {
                throw new InvalidOperationException("appended beyond capacity");
            }

            foreach (int token in tokens)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(token);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, model.Info.VocabularySize);
            }

            _lastStart = _tokens.Count;
            _lastCount = tokens.Length;
            _tokens.AddRange(tokens);
        }

        public ReadOnlySpan<float> GetLogits(int index)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _lastCount);
            model.Fill(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tokens)[..(_lastStart + index + 1)], _logits);
            return _logits;
        }

        public void Truncate(int length)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _tokens.Count);
            _tokens.RemoveRange(length, _tokens.Count - length);
            _lastCount = 0;
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Writes the model's logits after <paramref name="context"/>.</summary>
    public void Fill(ReadOnlySpan<int> context, Span<float> logits) => fill(context, logits);
}

/// <summary>A logits processor given by a delegate (it must be a pure function of its arguments).</summary>
internal sealed class DelegateProcessor(FillLogits process) : ILogitsProcessor
{
    /// <summary>Masks every token (every logit -infinity) when <paramref name="when"/> holds for the context.</summary>
    public static DelegateProcessor MaskAll(Func<int, bool> when) => new((context, logits) =>
    {
        if (when(context.Length))
        {
            logits.Fill(float.NegativeInfinity);
        }
    });

    /// <summary>Writes NaN into one logit when <paramref name="when"/> holds for the context length.</summary>
    public static DelegateProcessor InjectNaN(Func<int, bool> when) => new((context, logits) =>
    {
        if (when(context.Length))
        {
            logits[context.Length % logits.Length] = float.NaN;
        }
    });

    public void Process(Span<float> logits, ReadOnlySpan<int> context) => process(context, logits);
}
