namespace FastDraft.Tests.Infrastructure;

/// <summary>The next token a fake model chooses after a context.</summary>
internal delegate int NextToken(ReadOnlySpan<int> context);

/// <summary>
/// A fake language model whose greedy choice is a function of the context: its logits are 0 except
/// a 1 on the chosen token. Counts sessions so tests can check that generations dispose them.
/// </summary>
internal sealed class FunctionModel(int vocabularySize, NextToken next, int[]? endOfSequence = null, string? cannotVerify = null, int contextLength = 4096) : ITargetModel
{
    private int _created;
    private int _disposed;

    public ModelInfo Info { get; } = new()
    {
        Name = "fake",
        VocabularySize = vocabularySize,
        ContextLength = contextLength,
        EndOfSequenceTokenIds = endOfSequence ?? [],
        VerificationUnsupportedReason = cannotVerify,
    };

    public int SessionsCreated => Volatile.Read(ref _created);

    public int SessionsDisposed => Volatile.Read(ref _disposed);

    public long Passes;

    public List<int> AppendSizes { get; } = [];

    /// <summary>Gets what happens on every forward pass, given its number of tokens (a fake clock advancing by the pass's cost, say).</summary>
    public Action<int>? OnPass { get; init; }

    public IModelSession CreateSession(int capacity)
    {
        Interlocked.Increment(ref _created);
        return new Session(this, capacity);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public int Next(ReadOnlySpan<int> context) => next(context);

    private sealed class Session(FunctionModel model, int capacity) : IModelSession
    {
        private readonly List<int> _tokens = [];
        private readonly float[] _logits = new float[model.Info.VocabularySize];
        private int _lastStart;
        private int _lastCount;
        private bool _disposed;

        public int Length => _tokens.Count;

        public int Capacity => capacity;

        public void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            Assert.True(_tokens.Count + tokens.Length <= capacity, "appended beyond capacity");
            foreach (int token in tokens)
            {
                Assert.InRange(token, 0, model.Info.VocabularySize - 1);
            }

            _lastStart = _tokens.Count;
            _lastCount = tokens.Length;
            _tokens.AddRange(tokens);
            Interlocked.Increment(ref model.Passes);
            model.OnPass?.Invoke(tokens.Length);
            lock (model.AppendSizes)
            {
                model.AppendSizes.Add(tokens.Length);
            }
        }

        public ReadOnlySpan<float> GetLogits(int index)
        {
            Assert.InRange(index, 0, _lastCount - 1);
            Array.Clear(_logits);
            _logits[model.Next(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tokens)[..(_lastStart + index + 1)])] = 1;
            return _logits;
        }

        public void Truncate(int length)
        {
            Assert.InRange(length, 0, _tokens.Count);
            _tokens.RemoveRange(length, _tokens.Count - length);
            _lastCount = 0;
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Interlocked.Increment(ref model._disposed);
            }
        }
    }
}

/// <summary>A draft whose proposals come from a delegate (context, most tokens) → proposal.</summary>
internal sealed class ScriptedDraft(Func<int[], int, int[]> propose, int? vocabularySize = null) : IDraftModel
{
    public List<int> RequestedLengths { get; } = [];

    public Func<int[], int, int[]> Proposer { get; } = propose;

    public int? VocabularySize => vocabularySize;

    public IDraftSession CreateDraftSession(int capacity) => new Session(this);

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    private sealed class Session(ScriptedDraft draft) : IDraftSession
    {
        public long ModelCalls { get; private set; }

        public int Propose(ReadOnlySpan<int> context, Span<int> proposal, DraftSampler sampler, CancellationToken cancellationToken = default)
        {
            lock (draft.RequestedLengths)
            {
                draft.RequestedLengths.Add(proposal.Length);
            }

            int[] proposed = draft.Proposer(context.ToArray(), proposal.Length);
            int count = Math.Min(proposed.Length, proposal.Length);
            proposed.AsSpan(0, count).CopyTo(proposal);
            ModelCalls += count;
            return count;
        }

        public void Truncate(int length)
        {
        }

        public void Dispose()
        {
        }
    }
}
