namespace FastDraft;

/// <summary>
/// Uses a language model as a draft: it proposes its own continuation (chosen by the
/// <see cref="DraftSampler"/>: processed argmax, or a sample), one forward pass per proposed token
/// after a single batched catch-up pass over the tokens it has not seen.
/// </summary>
/// <remarks>
/// The draft keeps its own key/value cache per generation. When the target rejects some of its
/// proposals, <see cref="IDraftSession.Truncate"/> rolls that cache back to the tokens kept, as the
/// generator rolls back the target's. The wrapped model is not owned: dispose it yourself after
/// every generation using it has ended.
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
        private bool _disposed;

        public long ModelCalls { get; private set; }

        public int Propose(ReadOnlySpan<int> context, Span<int> proposal, DraftSampler sampler, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // After proposing n tokens the cache holds the context and n - 1 proposals.
            int count = Math.Min(proposal.Length, session.Capacity - context.Length + 1);
            if (proposal.IsEmpty && session.Length < context.Length && context.Length <= session.Capacity)
            {
                // Catch up on the prompt (after the prefix a reused session holds); the next call feeds only what follows.
                Feed(context[session.Length..], cancellationToken);
                return 0;
            }

            if (count <= 0 || context.IsEmpty)
            {
                return 0;
            }

            // The cache holds a prefix of the context (Truncate dropped the rejected proposals). One batched
            // catch-up pass over the rest, the last context token at least (for the logits after it), then
            // one pass per chosen proposal: the tokens a constraint forces after it ride along in that pass.
            int keep = Math.Min(session.Length, context.Length - 1);
            session.Truncate(keep);
            Feed(context[keep..], cancellationToken);
            if (!sampler.TryNext(session.GetLogits(context.Length - keep - 1), out proposal[0]))
            {
                return 0;
            }

            int proposed = 1 + sampler.TakeForced(proposal[1..count]);
            int fed = 0;
            while (proposed < count)
            {
                Feed(proposal[fed..proposed], cancellationToken);
                int last = proposed - fed - 1;
                fed = proposed;
                if (!sampler.TryNext(session.GetLogits(last), out proposal[proposed]))
                {
                    return proposed; // not confident enough to go on
                }

                proposed++;
                proposed += sampler.TakeForced(proposal[proposed..count]);
            }

            return count;
        }

        public void Truncate(int length)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (length < session.Length)
            {
                session.Truncate(length);
            }
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                session.Dispose();
            }
        }

        private void Feed(ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
        {
            session.Append(tokens, cancellationToken);
            ModelCalls++;
        }
    }
}
