using System.Buffers;
using FastDraft.Internals.Sampling;

namespace FastDraft;

/// <summary>
/// Chooses each token a draft model proposes, the way the generation chooses tokens: the argmax
/// of the processed logits when decoding greedily, otherwise a sample from the processed draft
/// distribution q, which is recorded so that verification can accept with probability min(1, p/q)
/// and resample from the residual. Passed to <see cref="IDraftSession.Propose"/>.
/// </summary>
/// <remarks>
/// A draft model calls <see cref="Next"/> once per proposed token, in order, and proposes exactly
/// the token it returns. A draft that proposes without calling it is
/// treated as certain of each proposal (q is 1 on the proposed token), which speculative sampling
/// handles exactly too. Owned by the generation; valid only during the <see cref="IDraftSession.Propose"/>
/// call it was passed to. To call <see cref="IDraftSession.Propose"/> outside a generation (a draft's
/// unit test), make one with <see cref="Create"/>.
/// <para>
/// The draft's vocabulary may be wider or narrower than the target's (a family's models often pad their
/// embedding to different multiples): the draft's logits are then laid into a row of the target's width,
/// ids beyond the draft's vocabulary at -infinity (probability 0) and the draft's ids beyond the target's
/// dropped (never proposed). The processors, penalties and truncations then see that target-width row,
/// exactly as they see the target's; verification stays exact, the residual max(0, p − q) giving the
/// target's mass beyond the draft's vocabulary its due.
/// </para>
/// </remarks>
public sealed class DraftSampler : IDisposable
{
    private readonly TokenSampler _sampler;
    private readonly int _vocabulary;
    private readonly int _draftVocabulary;
    private readonly float[]? _widened;
    private readonly int _maxProposals;
    private readonly float[]? _distributions;
    private readonly int[] _chosen;
    private readonly bool[] _copied; // per proposal: copied from the context (q is 1 on it) rather than chosen from logits
    private readonly bool[] _grammar; // per proposal: forced by the constraint (q is 1 on it; the target's p is too)
    private int[] _context = [];
    private int _length;
    private int _room;

    private readonly float _confidenceThreshold;
    private readonly bool _ownsSampler;
    private bool _disposed;

    /// <summary>Initializes the draft sampler of one generation; each proposal starts with <see cref="Begin"/>, which hands it the round's buffer.</summary>
    /// <param name="sampler">The generation's sampler (processors, random draws), at the target's width.</param>
    /// <param name="vocabulary">The target's vocabulary size: the width of every distribution and of the ids proposed.</param>
    /// <param name="maxProposals">The most tokens one proposal chooses.</param>
    /// <param name="confidenceThreshold">What <see cref="TryNext"/> compares the top probability with.</param>
    /// <param name="ownsSampler">Whether disposing this disposes <paramref name="sampler"/>.</param>
    /// <param name="draftVocabulary">The number of logits the draft model produces; <see langword="null"/> for <paramref name="vocabulary"/>.</param>
    internal DraftSampler(TokenSampler sampler, int vocabulary, int maxProposals, float confidenceThreshold = 0f, bool ownsSampler = false, int? draftVocabulary = null)
    {
        _draftVocabulary = draftVocabulary ?? vocabulary;
        if (_draftVocabulary != vocabulary)
        {
            _widened = ArrayPool<float>.Shared.Rent(vocabulary);
        }

        _confidenceThreshold = confidenceThreshold;
        _ownsSampler = ownsSampler;
        _sampler = sampler;
        _vocabulary = vocabulary;
        _maxProposals = maxProposals;
        _chosen = new int[maxProposals];
        _copied = new bool[maxProposals];
        _grammar = new bool[maxProposals];
        if (!sampler.IsGreedy)
        {
            _distributions = ArrayPool<float>.Shared.Rent(vocabulary * maxProposals);
        }
    }

    /// <summary>
    /// Creates a sampler for one <see cref="IDraftSession.Propose"/> call outside a generation, chosen as a generation
    /// with these options would choose: so that a draft's author can unit-test a proposal.
    /// </summary>
    /// <param name="context">The context that will be passed to <see cref="IDraftSession.Propose"/> (copied: the processors see it, and the chosen tokens after it).</param>
    /// <param name="vocabularySize">The target's vocabulary size: the ids a proposal may hold are <c>[0, vocabularySize)</c>.</param>
    /// <param name="options">The request's options (temperature, penalties, processors, seed); <see langword="null"/> for greedy defaults.</param>
    /// <param name="speculativeOptions">
    /// The drafting options: <see cref="SpeculativeOptions.DraftTokens"/> bounds the tokens chosen (pass a proposal span no longer),
    /// <see cref="SpeculativeOptions.DraftConfidenceThreshold"/> is what <see cref="TryNext"/> compares with; <see langword="null"/> for the defaults.
    /// </param>
    /// <param name="draftVocabularySize">
    /// The number of logits the draft model produces per position, when it differs from <paramref name="vocabularySize"/>
    /// (see the remarks on widths); <see langword="null"/> for the same.
    /// </param>
    /// <returns>A sampler for one proposal, owned by the caller (dispose it to return its pooled buffers).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabularySize"/> or <paramref name="draftVocabularySize"/> is less than 1, or an option is out of its range.</exception>
    /// <example>
    /// <code>
    /// using IDraftSession session = myDraft.CreateDraftSession(capacity: 64);
    /// int[] context = [1, 2, 3];
    /// using DraftSampler sampler = DraftSampler.Create(context, vocabularySize: 32);
    /// Span&lt;int&gt; proposal = stackalloc int[4];
    /// int proposed = session.Propose(context, proposal, sampler);
    /// </code>
    /// </example>
    public static DraftSampler Create(ReadOnlySpan<int> context, int vocabularySize, GenerationOptions? options = null, SpeculativeOptions? speculativeOptions = null, int? draftVocabularySize = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(draftVocabularySize ?? vocabularySize, 1, nameof(draftVocabularySize));
        options ??= GenerationOptions.Default;
        speculativeOptions ??= SpeculativeOptions.Default;
        options.ValidateSampling(nameof(options));
        speculativeOptions.Validate(nameof(speculativeOptions));

        int maxProposals = speculativeOptions.DraftTokens;
        float threshold = speculativeOptions.DraftConfidenceThreshold;
        int[] buffer = new int[context.Length + maxProposals];
        context.CopyTo(buffer);
        var sampler = new TokenSampler(options, vocabularySize, context.Length, needsWorkBuffer: threshold > 0);
        var draftSampler = new DraftSampler(sampler, vocabularySize, maxProposals, threshold, ownsSampler: true, draftVocabulary: draftVocabularySize);
        draftSampler.Begin(buffer, context.Length, maxProposals);
        return draftSampler;
    }

    /// <summary>Gets the number of tokens proposed so far in the current proposal: chosen through <see cref="Next"/> (or <see cref="TryNext"/>), or copied from the context by a prompt lookup.</summary>
    public int Count { get; private set; }

    /// <summary>Chooses the next proposed token from the draft model's logits for it.</summary>
    /// <param name="logits">The draft model's logits for the next position (one per entry of the draft's vocabulary).</param>
    /// <returns>The token to propose: always below the target's vocabulary size.</returns>
    /// <exception cref="ArgumentException">The logits do not have one entry per draft vocabulary token.</exception>
    /// <exception cref="InvalidOperationException">More tokens are chosen than were asked for.</exception>
    /// <exception cref="GenerationException">The processed logits leave no token to choose (all masked, or NaN).</exception>
    public int Next(ReadOnlySpan<float> logits)
    {
        Choose(logits, threshold: 0f, out int token);
        return token;
    }

    /// <summary>
    /// Chooses the next proposed token, unless the draft is not confident enough to propose one (its
    /// most likely token's probability is below <see cref="SpeculativeOptions.DraftConfidenceThreshold"/>):
    /// then the draft should stop proposing for this round.
    /// </summary>
    /// <param name="logits">The draft model's logits for the next position.</param>
    /// <param name="token">The token to propose, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether to propose <paramref name="token"/>.</returns>
    public bool TryNext(ReadOnlySpan<float> logits, out int token) => Choose(logits, _confidenceThreshold, out token);

    private bool Choose(ReadOnlySpan<float> logits, float threshold, out int token)
    {
        if (logits.Length != _draftVocabulary)
        {
            throw new ArgumentException($"Expected {_draftVocabulary} logits (the draft's vocabulary size), got {logits.Length}.", nameof(logits));
        }

        if (Count >= _room)
        {
            throw new InvalidOperationException($"A draft may choose at most {_room} tokens per proposal.");
        }

        ReadOnlySpan<int> context = _context.AsSpan(0, _length + Count);
        if (_widened is not null)
        {
            logits = Widen(logits);
        }

        float confidence;
        if (_distributions is null)
        {
            token = _sampler.Argmax(logits, context, draft: true);
            confidence = threshold > 0 ? _sampler.TopProbability(logits, context) : 1f;
        }
        else
        {
            Span<float> q = _distributions.AsSpan(Count * _vocabulary, _vocabulary);
            _sampler.Distribution(logits, context, q, draft: true);
            token = _sampler.Draw(q);
            confidence = threshold > 0 ? System.Numerics.Tensors.TensorPrimitives.Max(q) : 1f;
        }

        if (confidence < threshold)
        {
            return false;
        }

        _context[_length + Count] = token;
        _copied[Count] = _grammar[Count] = false;
        _chosen[Count++] = token;
        return true;
    }

    /// <summary>
    /// Records the next proposed token as copied from the context (prompt lookup) rather than chosen from logits:
    /// the draft is certain of it (q is 1 on it), and it is reported as <see cref="TokenSource.Lookup"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">More tokens are proposed than were asked for.</exception>
    internal void Copy(int token)
    {
        if (Count >= _room)
        {
            throw new InvalidOperationException($"A draft may choose at most {_room} tokens per proposal.");
        }

        _context[_length + Count] = token;
        _copied[Count] = true;
        _grammar[Count] = false;
        _chosen[Count++] = token;
    }

    /// <summary>
    /// Proposes the tokens the generation's constraint forces after the proposal so far (a key name, <c>": "</c>, a closing
    /// bracket), as many as fit in <paramref name="destination"/> and the proposal's room: no draft model pass chooses
    /// them (q is 1 on each, as the constrained target's p is), and they are reported as <see cref="TokenSource.Grammar"/>.
    /// A draft then feeds them to its model in one pass with the token before them. Nothing without a constraint.
    /// </summary>
    /// <param name="destination">Where the draft's proposal continues; receives the forced tokens.</param>
    /// <returns>How many tokens were forced and proposed.</returns>
    internal int TakeForced(Span<int> destination)
    {
        int room = Math.Min(destination.Length, _room - Count);
        if (room <= 0)
        {
            return 0;
        }

        int start = _length + Count;
        int forced = _sampler.Forced(_context.AsSpan(0, start), _context.AsSpan(start, room));
        for (int i = 0; i < forced; i++)
        {
            int token = _context[start + i];
            destination[i] = token;
            _copied[Count] = false;
            _grammar[Count] = true;
            _chosen[Count++] = token;
        }

        return forced;
    }

    /// <summary>Gets whether proposal <paramref name="index"/> of the current proposal was forced by the constraint (<see cref="TakeForced"/>).</summary>
    internal bool IsForced(int index) => index < Count && _grammar[index];

    /// <summary>Gets whether proposal <paramref name="index"/> is a point mass: copied from the context or forced by the constraint.</summary>
    internal bool IsCertain(int index) => index < Count && (_copied[index] || _grammar[index]);

    /// <summary>Gets how many more tokens the current proposal may hold.</summary>
    internal int Room => _room - Count;

    /// <summary>Gets whether proposal <paramref name="index"/> of the current proposal was copied (<see cref="Copy"/>).</summary>
    internal bool IsCopied(int index) => index < Count && _copied[index];

    /// <summary>Gets how many of the first <paramref name="count"/> proposals were copied (<see cref="Copy"/>).</summary>
    internal int CopiedCount(int count)
    {
        int copied = 0;
        for (int i = 0; i < Math.Min(count, Count); i++)
        {
            copied += _copied[i] ? 1 : 0;
        }

        return copied;
    }

    /// <summary>Returns the pooled buffers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_distributions is not null)
        {
            ArrayPool<float>.Shared.Return(_distributions);
        }

        if (_widened is not null)
        {
            ArrayPool<float>.Shared.Return(_widened);
        }

        if (_ownsSampler)
        {
            _sampler.Dispose();
        }
    }

    /// <summary>
    /// Starts a proposal of at most <paramref name="room"/> tokens after the first <paramref name="length"/> tokens of
    /// <paramref name="context"/>: each token chosen goes right after them (where the proposal span the draft is handed
    /// lies, in a generation), so that the processors see it when the next one is chosen. The buffer is the sampler's
    /// only for this proposal.
    /// </summary>
    internal void Begin(int[] context, int length, int room, int forced = 0)
    {
        Forced = forced;
        _context = context;
        _length = length;
        _room = Math.Min(room, _maxProposals);
        Count = 0;
    }

    /// <summary>Checks that every proposed id is in the vocabulary, and that a draft which chose tokens here proposed exactly those tokens.</summary>
    internal void CheckProposal(ReadOnlySpan<int> proposal)
    {
        for (int i = 0; i < proposal.Length; i++)
        {
            if ((uint)proposal[i] >= (uint)_vocabulary)
            {
                throw new InvalidOperationException(
                    $"The draft proposed token id {proposal[i]} (proposal {i} at context position {_length + i}), outside the vocabulary of {_vocabulary} tokens.");
            }
        }

        if (Count != 0 && !proposal.SequenceEqual(_chosen.AsSpan(0, Count)))
        {
            throw new InvalidOperationException(
                $"The draft chose {Count} tokens through DraftSampler.Next but proposed {proposal.Length} different ones; a draft must propose exactly the tokens Next returns, or not call it at all.");
        }
    }

    /// <summary>
    /// Lays a draft row of another width into a target-width row: the shared ids' logits, -infinity for the target's ids
    /// the draft has none for (probability 0 in q), the draft's ids beyond the target's left out (never proposed).
    /// </summary>
    private ReadOnlySpan<float> Widen(ReadOnlySpan<float> logits)
    {
        Span<float> row = _widened.AsSpan(0, _vocabulary);
        int shared = Math.Min(logits.Length, _vocabulary);
        logits[..shared].CopyTo(row);
        row[shared..].Fill(float.NegativeInfinity);
        return row;
    }

    /// <summary>Gets the number of forced tokens (<see cref="TokenSource.Grammar"/>) before this proposal in the round's block: proposals with a point mass, not chosen here.</summary>
    internal int Forced { get; private set; }

    /// <summary>Gets q for proposal <paramref name="index"/> (sampling only; a copied proposal has none: q is 1 on it).</summary>
    internal ReadOnlySpan<float> Distribution(int index) => _distributions.AsSpan(index * _vocabulary, _vocabulary);
}
