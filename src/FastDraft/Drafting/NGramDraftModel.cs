namespace FastDraft;

/// <summary>
/// Prompt-lookup drafting with no model behind it: finds the most recent earlier occurrence of
/// the context's last n tokens and proposes what followed it.
/// </summary>
/// <remarks>
/// It tries the longest n-gram first (<see cref="MaxNgramSize"/>) and backs off to shorter ones
/// down to <see cref="MinNgramSize"/>. When the continuation runs into the end of the context (a
/// repeat whose period is shorter than the proposal), it keeps copying periodically, so the
/// proposal fills the budget. It suits inputs that repeat themselves: code edits, extraction,
/// summaries quoting their source. Stateless and thread-safe; the search is allocation-free.
/// </remarks>
public sealed class NGramDraftModel : IDraftModel
{
    /// <summary>The longest match <see cref="Lookup(ReadOnlySpan{int}, Span{int}, out int)"/> measures.</summary>
    internal const int MaxMatchLength = 64;

    /// <summary>Initializes an n-gram draft.</summary>
    /// <param name="maxNgramSize">The longest n-gram to look up (1 to 64); default 3.</param>
    /// <param name="minNgramSize">The shortest n-gram to back off to (1 to <paramref name="maxNgramSize"/>); default 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public NGramDraftModel(int maxNgramSize = 3, int minNgramSize = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNgramSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxNgramSize, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(minNgramSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minNgramSize, maxNgramSize);
        MaxNgramSize = maxNgramSize;
        MinNgramSize = minNgramSize;
    }

    /// <summary>Gets the longest n-gram looked up.</summary>
    public int MaxNgramSize { get; }

    /// <summary>Gets the shortest n-gram backed off to.</summary>
    public int MinNgramSize { get; }

    /// <inheritdoc/>
    /// <remarks>Always <see langword="null"/>: proposals are copied from the context, so any vocabulary works.</remarks>
    public int? VocabularySize => null;

    /// <inheritdoc/>
    public IDraftSession CreateDraftSession(int capacity) => new Session(this);

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Writes the lookup's proposal for <paramref name="context"/> into <paramref name="proposal"/>.</summary>
    /// <returns>The number of tokens proposed: all of <paramref name="proposal"/>, or 0 when no n-gram recurs.</returns>
    internal int Lookup(ReadOnlySpan<int> context, Span<int> proposal) => Lookup(context, proposal, out _);

    /// <summary>
    /// Writes the lookup's proposal for <paramref name="context"/> into <paramref name="proposal"/>, and how long the match
    /// behind it is: how many tokens before the continuation agree with the context's last ones (the n-gram found,
    /// extended backwards, up to <see cref="MaxMatchLength"/>), the evidence that the context is copying that earlier passage.
    /// </summary>
    /// <returns>The number of tokens proposed: all of <paramref name="proposal"/>, or 0 when no n-gram recurs.</returns>
    internal int Lookup(ReadOnlySpan<int> context, Span<int> proposal, out int matched)
    {
        matched = 0;
        if (proposal.IsEmpty)
        {
            return 0;
        }

        // Only occurrences that end before the last token count as "earlier".
        ReadOnlySpan<int> earlier = context[..^1];
        for (int n = Math.Min(MaxNgramSize, context.Length - 1); n >= MinNgramSize; n--)
        {
            int start = earlier.LastIndexOf(context[^n..]);
            if (start < 0)
            {
                continue;
            }

            // Continue from the match; past the context's end, read the proposal itself (a periodic repeat).
            int from = start + n;
            for (int i = 0; i < proposal.Length; i++)
            {
                int source = from + i;
                proposal[i] = source < context.Length ? context[source] : proposal[source - context.Length];
            }

            matched = n;
            while (matched < MaxMatchLength && matched < from && context[from - matched - 1] == context[^(matched + 1)])
            {
                matched++;
            }

            return proposal.Length;
        }

        return 0;
    }

    private sealed class Session(NGramDraftModel model) : IDraftSession
    {
        public long ModelCalls => 0;

        public int Propose(ReadOnlySpan<int> context, Span<int> proposal, DraftSampler sampler, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = model.Lookup(context, proposal[..Math.Min(proposal.Length, sampler.Room)]);
            for (int i = 0; i < count; i++)
            {
                sampler.Copy(proposal[i]); // certain of each (q is 1 on it), and reported as lookup tokens
            }

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
