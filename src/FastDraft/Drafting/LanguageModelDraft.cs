using System.Buffers;

namespace FastDraft;

/// <summary>
/// Uses a language model as a draft: it proposes its own continuation (chosen by the
/// <see cref="DraftSampler"/>: processed argmax, or a sample), one forward pass per proposed token
/// after a single batched catch-up pass over the tokens it has not seen.
/// </summary>
/// <remarks>
/// The draft keeps its own key/value cache per generation. When the target rejects some of its
/// proposals it notices at the next <see cref="IDraftSession.Propose"/> (the context no longer
/// holds them) and rolls its cache back to the longest prefix it shares with the context. The
/// wrapped model is not owned: dispose it yourself after every generation using it has ended.
/// </remarks>
public sealed class LanguageModelDraft : IDraftModel
{
    /// <summary>Initializes a draft backed by <paramref name="model"/>.</summary>
    /// <param name="model">The draft language model; it needs no multi-token verification support.</param>
    public LanguageModelDraft(ITargetModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>Gets the draft language model.</summary>
    public ITargetModel Model { get; }

    /// <inheritdoc/>
    public int? VocabularySize => Model.Info.VocabularySize;

    /// <inheritdoc/>
    public IDraftSession CreateDraftSession(int capacity)
    {
        // The generator never drafts past its budget, so the draft holds at most the target's
        // capacity; when the draft's own context is shorter, it stops proposing once it is full.
        return new Session(Model.CreateSession(Math.Min(capacity, Model.Info.ContextLength)));
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : Model.GetService(serviceType, serviceKey);
    }

    private sealed class Session(IModelSession session) : IDraftSession
    {
        // What the session has been fed, pooled and grown as the context gets long (the capacity is
        // only a bound: sizing by it would make every short request pay for the longest).
        private int[] _fed = ArrayPool<int>.Shared.Rent(Math.Min(session.Capacity, 1024));
        private int _syncedContext;
        private bool _disposed;

        public long ModelCalls { get; private set; }

        public int Propose(ReadOnlySpan<int> context, Span<int> proposal, DraftSampler sampler, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // After proposing n tokens the cache holds the context and n - 1 proposals.
            int count = Math.Min(proposal.Length, session.Capacity - context.Length + 1);
            if (proposal.IsEmpty && !context.IsEmpty && context.Length <= session.Capacity && session.Length == 0)
            {
                Feed(context, cancellationToken); // catch up on the prompt; the next call feeds only what follows
                _syncedContext = context.Length;
                return 0;
            }

            if (count <= 0 || context.IsEmpty)
            {
                return 0;
            }

            // Roll back to the longest prefix of the cache that the context still holds: positions
            // before the previous context's end cannot have changed, only proposals can be gone.
            int keep = Math.Min(_syncedContext, session.Length);
            int limit = Math.Min(session.Length, context.Length);
            while (keep < limit && _fed[keep] == context[keep])
            {
                keep++;
            }

            if (keep == context.Length)
            {
                keep--; // the last context token must be fed again to get the logits after it
            }

            session.Truncate(keep);

            // One batched catch-up pass over everything the draft has not seen, then one pass per proposal.
            Feed(context[keep..], cancellationToken);
            _syncedContext = context.Length;
            if (!sampler.TryNext(session.GetLogits(context.Length - keep - 1), out proposal[0]))
            {
                return 0;
            }

            for (int i = 1; i < count; i++)
            {
                Feed(proposal.Slice(i - 1, 1), cancellationToken);
                if (!sampler.TryNext(session.GetLogits(0), out proposal[i]))
                {
                    return i; // not confident enough to go on
                }
            }

            return count;
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                session.Dispose();
                ArrayPool<int>.Shared.Return(_fed);
            }
        }

        private void Feed(ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
        {
            int needed = session.Length + tokens.Length;
            if (needed > _fed.Length)
            {
                int[] grown = ArrayPool<int>.Shared.Rent(Math.Max(needed, (int)Math.Min(session.Capacity, 2L * _fed.Length)));
                _fed.AsSpan(0, session.Length).CopyTo(grown);
                ArrayPool<int>.Shared.Return(_fed);
                _fed = grown;
            }

            tokens.CopyTo(_fed.AsSpan(session.Length));
            session.Append(tokens, cancellationToken);
            ModelCalls++;
        }
    }
}
