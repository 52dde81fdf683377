using System.Buffers;

namespace FastDraft;

/// <summary>
/// Chooses each token a draft model proposes, the way the generation chooses tokens: the argmax
/// of the processed logits when decoding greedily, otherwise a sample from the processed draft
/// distribution q, which is recorded so that verification can accept with probability min(1, p/q)
/// and resample from the residual. Passed to <see cref="IDraftSession.Propose"/>.
/// </summary>
/// <remarks>
/// A draft model calls <see cref="Next"/> once per proposed token, in order, and proposes exactly
/// the token it returns. A draft that proposes without calling it (such as n-gram lookup) is
/// treated as certain of each proposal (q is 1 on the proposed token), which speculative sampling
/// handles exactly too. Owned by the generation; valid only during the <see cref="IDraftSession.Propose"/>
/// call it was passed to.
/// </remarks>
public sealed class DraftSampler : IDisposable
{
    private readonly Sampling.TokenSampler _sampler;
    private int[] _context;
    private readonly int _vocabulary;
    private readonly int _maxProposals;
    private readonly float[]? _distributions;
    private readonly int[] _chosen;
    private int _length;

    private readonly float _confidenceThreshold;

    internal DraftSampler(Sampling.TokenSampler sampler, int[] context, int vocabulary, int maxProposals, float confidenceThreshold = 0f)
    {
        _confidenceThreshold = confidenceThreshold;
        _sampler = sampler;
        _context = context;
        _vocabulary = vocabulary;
        _maxProposals = maxProposals;
        _chosen = new int[maxProposals];
        if (!sampler.IsGreedy)
        {
            _distributions = ArrayPool<float>.Shared.Rent(vocabulary * maxProposals);
        }
    }

    /// <summary>Gets the number of tokens chosen through <see cref="Next"/> in the current proposal.</summary>
    public int Count { get; private set; }

    /// <summary>Chooses the next proposed token from the draft model's logits for it.</summary>
    /// <param name="logits">The draft model's logits for the next position (one per vocabulary entry).</param>
    /// <returns>The token to propose.</returns>
    /// <exception cref="ArgumentException">The logits do not have one entry per vocabulary token.</exception>
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
        if (logits.Length != _vocabulary)
        {
            throw new ArgumentException($"Expected {_vocabulary} logits (the vocabulary size), got {logits.Length}.", nameof(logits));
        }

        if (Count >= _maxProposals)
        {
            throw new InvalidOperationException($"A draft may choose at most {_maxProposals} tokens per proposal.");
        }

        ReadOnlySpan<int> context = _context.AsSpan(0, _length + Count);
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
        _chosen[Count++] = token;
        return true;
    }

    /// <summary>Returns the pooled buffers.</summary>
    public void Dispose()
    {
        if (_distributions is not null)
        {
            ArrayPool<float>.Shared.Return(_distributions);
        }
    }

    /// <summary>Switches to the generation's context buffer after it grew (its first tokens copied over).</summary>
    internal void UseContext(int[] context) => _context = context;

    /// <summary>Starts a proposal after the first <paramref name="length"/> context tokens (proposals go right after them).</summary>
    internal void Begin(int length)
    {
        _length = length;
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

    /// <summary>Gets q for proposal <paramref name="index"/> (sampling only).</summary>
    internal ReadOnlySpan<float> Distribution(int index) => _distributions.AsSpan(index * _vocabulary, _vocabulary);
}
