using System.Buffers;

namespace FastDraft.Internals.Drafting;

/// <summary>
/// One generation's state of a <see cref="CombinedDraftModel"/>: the draft model's session, a copy of the context
/// the chain is built on, and what the last proposal was, to learn from when the next context shows what the target kept.
/// </summary>
internal sealed class CombinedDraftSession(IDraftSession model, NGramDraftModel lookup, SourceAcceptance acceptance, Action<SourceAcceptance> remember) : IDraftSession
{
    /// <summary>
    /// What one draft-model token is assumed to cost, in target passes: small drafts of models large enough to be worth
    /// drafting for cost 5 to 25% of a target pass, and a lookup token costs nothing. Fixed rather than timed, so that a
    /// seeded sampled generation proposes, and so emits, the same tokens every time. At the low end: lookup takes a
    /// position only where it is nearly as likely to be right as the model (on the demo pair, 0.25 let weaker matches
    /// displace a good draft's tokens and lost 15% of its speed).
    /// </summary>
    private const double ModelTokenCost = 0.1;
    private int[] _chain = [];            // the context, then the round's proposals
    private int[] _proposed = [];         // the last round's proposals, ...
    private int[] _sources = [];          // ... their sources ...
    private int _proposedCount;
    private int[] _shadow = [];           // ... and lookup's continuation at the chain's start, whether proposed or not
    private int _shadowCount;
    private int _shadowSource;
    private int _from = -1;               // where the last round's proposals started in the context; -1 when there is none
    private bool _disposed;

    public long ModelCalls => model.ModelCalls;

    public int Propose(ReadOnlySpan<int> context, Span<int> proposal, DraftSampler sampler, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Learn(context);
        if (proposal.IsEmpty)
        {
            return model.Propose(context, proposal, sampler, cancellationToken); // the prompt's catch-up pass
        }

        int room = Math.Min(proposal.Length, sampler.Room);
        Reserve(context.Length + room, room);
        context.CopyTo(_chain);
        int length = context.Length;
        int count = 0;
        int modelTokens = 0;
        while (count < room)
        {
            // Lookup's continuation from here, or the draft model's next token: whichever is expected to have more
            // accepted for its cost. A chain that goes to lookup stays with it (it copies to the end of the room).
            ReadOnlySpan<int> sofar = _chain.AsSpan(0, length + count);
            Span<int> rest = proposal[count..room];
            int copied = lookup.Lookup(sofar, rest, out int matched);
            int source = SourceAcceptance.LookupSource(matched);
            if (count == 0)
            {
                rest[..copied].CopyTo(_shadow);
                _shadowCount = copied;
                _shadowSource = source;
            }

            if (copied > 0 && PrefersLookup(source, rest.Length, count, modelTokens))
            {
                for (int i = 0; i < copied; i++)
                {
                    sampler.Copy(rest[i]);
                    _sources[count + i] = source;
                }

                count += copied;
                break;
            }

            if (model.Propose(sofar, proposal.Slice(count, 1), sampler, cancellationToken) == 0)
            {
                break; // full, or not confident enough to go on
            }

            if (sampler.Count != count + 1)
            {
                throw new InvalidOperationException("The model of a CombinedDraftModel must choose its tokens through the DraftSampler it is given (DraftSampler.Next or TryNext), as LanguageModelDraft does.");
            }

            _chain[length + count] = proposal[count];
            _sources[count++] = SourceAcceptance.ModelSource;
            modelTokens++;
        }

        proposal[..count].CopyTo(_proposed);
        _proposedCount = count;
        _from = length;
        return count;
    }

    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        model.Truncate(length);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        remember(acceptance);
        model.Dispose();
        if (_chain.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_chain);
            _chain = [];
        }
    }

    /// <summary>
    /// Whether lookup's continuation of <paramref name="remaining"/> tokens is worth more than the draft model's, after
    /// <paramref name="count"/> proposals of which <paramref name="modelTokens"/> were the model's: the round's expected
    /// tokens (those so far, the rest of the chain's expected accepted ones, the target's own) for its cost in target passes.
    /// </summary>
    private bool PrefersLookup(int source, int remaining, int count, int modelTokens)
    {
        double tokens = 1 + count;
        double cost = 1 + (ModelTokenCost * modelTokens);
        double byLookup = (tokens + SourceAcceptance.ExpectedAccepted(acceptance.Alpha(source), remaining)) / cost;
        double byModel = (tokens + SourceAcceptance.ExpectedAccepted(acceptance.Alpha(SourceAcceptance.ModelSource), remaining)) / (cost + (ModelTokenCost * remaining));
        return byLookup >= byModel;
    }

    /// <summary>
    /// Learns from the last round, now that <paramref name="context"/> holds what the target emitted after it: each
    /// model proposal judged (up to the first rejected one), and lookup's continuation at the chain's start, judged the
    /// same way whether it was proposed or not.
    /// </summary>
    private void Learn(ReadOnlySpan<int> context)
    {
        if (_from < 0 || context.Length <= _from)
        {
            return;
        }

        ReadOnlySpan<int> emitted = context[_from..];
        for (int i = 0; i < Math.Min(_proposedCount, emitted.Length); i++)
        {
            bool accepted = emitted[i] == _proposed[i];
            if (_sources[i] == SourceAcceptance.ModelSource)
            {
                acceptance.Record(SourceAcceptance.ModelSource, accepted);
            }

            if (!accepted)
            {
                break;
            }
        }

        for (int i = 0; i < Math.Min(_shadowCount, emitted.Length); i++)
        {
            bool accepted = emitted[i] == _shadow[i];
            acceptance.Record(_shadowSource, accepted);
            if (!accepted)
            {
                break;
            }
        }

        _from = -1;
    }

    private void Reserve(int chain, int room)
    {
        if (_chain.Length < chain)
        {
            int[] grown = ArrayPool<int>.Shared.Rent(Math.Max(chain, 2 * _chain.Length));
            if (_chain.Length > 0)
            {
                ArrayPool<int>.Shared.Return(_chain);
            }

            _chain = grown;
        }

        if (_proposed.Length < room)
        {
            room = Math.Max(room, SpeculativeOptions.MaxDraftTokens); // once: K never exceeds it
            _proposed = new int[room];
            _sources = new int[room];
            _shadow = new int[room];
        }
    }
}
