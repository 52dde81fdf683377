namespace FastDraft.Tests.Core;

/// <summary>
/// How a draft's author unit-tests <see cref="IDraftSession.Propose"/> without a target or a generator:
/// a small custom draft, driven through <see cref="DraftSampler.Create"/>.
/// </summary>
public sealed class CustomDraftTests
{
    private const int Vocabulary = 8;

    /// <summary>
    /// A draft model whose logits depend on the last token only: a fixed table, row = last token. It chooses
    /// through the sampler (argmax or sample, as the request decodes), and stops when <see cref="DraftSampler.TryNext"/> says so.
    /// </summary>
    private sealed class BigramDraft(float[][] table) : IDraftModel
    {
        public int? VocabularySize => Vocabulary;

        public IDraftSession CreateDraftSession(int capacity) => new Session(table);

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        private sealed class Session(float[][] table) : IDraftSession
        {
            public long ModelCalls { get; private set; }

            public int Propose(ReadOnlySpan<int> context, Span<int> proposal, DraftSampler sampler, CancellationToken cancellationToken = default)
            {
                int last = context[^1];
                for (int i = 0; i < proposal.Length; i++)
                {
                    ModelCalls++;
                    if (!sampler.TryNext(table[last], out int token))
                    {
                        return i;
                    }

                    proposal[i] = last = token;
                }

                return proposal.Length;
            }

            public void Truncate(int length)
            {
            }

            public void Dispose()
            {
            }
        }
    }

    /// <summary>Each row prefers the next token (a 3 on it, a 1 on the one after): the draft counts upwards.</summary>
    private static float[][] CountingTable() =>
        [.. Enumerable.Range(0, Vocabulary).Select(last =>
        {
            var row = new float[Vocabulary];
            row[(last + 1) % Vocabulary] = 3f;
            row[(last + 2) % Vocabulary] = 1f;
            return row;
        })];

    private static (int[] Proposal, int Chosen) Propose(IDraftModel draft, int[] context, int most, GenerationOptions? options = null, SpeculativeOptions? speculative = null)
    {
        using IDraftSession session = draft.CreateDraftSession(64);
        using DraftSampler sampler = DraftSampler.Create(context, Vocabulary, options, speculative);
        var proposal = new int[most];
        int count = session.Propose(context, proposal, sampler);
        return (proposal[..count], sampler.Count);
    }

    [Fact]
    public void Propose_Greedy_ProposesTheArgmaxOfEachRow()
    {
        (int[] proposal, int chosen) = Propose(new BigramDraft(CountingTable()), [1, 2], 4);

        Assert.Equal([3, 4, 5, 6], proposal);
        Assert.Equal(4, chosen); // every proposed token went through the sampler, as verification requires
    }

    [Fact]
    public void Propose_WithARepetitionPenalty_AvoidsTokensAlreadyInTheContext()
    {
        // The sampler applies the request's processors over the context and the tokens chosen so far:
        // with a strong penalty, the preferred next token (3, already in the context) loses to the runner-up.
        var options = new GenerationOptions { RepetitionPenalty = 10f };

        (int[] proposal, _) = Propose(new BigramDraft(CountingTable()), [3, 2], 1, options);

        Assert.Equal([4], proposal);
    }

    [Fact]
    public void Propose_BelowTheConfidenceThreshold_StopsTheProposal()
    {
        float[][] table = CountingTable();
        table[4] = new float[Vocabulary]; // after 4 the draft has no idea: a uniform row, top probability 1/8
        var speculative = new SpeculativeOptions { DraftTokens = 6, DraftConfidenceThreshold = 0.5f };

        (int[] proposal, int chosen) = Propose(new BigramDraft(table), [2], 6, speculative: speculative);

        Assert.Equal([3, 4], proposal);
        Assert.Equal(2, chosen);
    }

    [Fact]
    public void Propose_Sampling_WithASeed_IsReproducible_AndStaysInTheVocabulary()
    {
        var options = new GenerationOptions { Temperature = 1.5f, Seed = 7 };
        var draft = new BigramDraft(CountingTable());

        (int[] first, int chosen) = Propose(draft, [0], 8, options, new SpeculativeOptions { DraftTokens = 8 });
        (int[] second, _) = Propose(draft, [0], 8, options, new SpeculativeOptions { DraftTokens = 8 });

        Assert.Equal(8, chosen);
        Assert.Equal(first, second);
        Assert.All(first, token => Assert.InRange(token, 0, Vocabulary - 1));
        Assert.NotEqual([1, 2, 3, 4, 5, 6, 7, 0], first); // at temperature 1.5 some step leaves the argmax chain (seeded: always the same one)
    }

    [Fact]
    public void Next_BeyondTheDraftTokens_Throws()
    {
        using DraftSampler sampler = DraftSampler.Create([1], Vocabulary, speculativeOptions: new SpeculativeOptions { DraftTokens = 1 });
        float[] logits = CountingTable()[1];

        Assert.Equal(2, sampler.Next(logits));
        Assert.Throws<InvalidOperationException>(() => sampler.Next(logits));
    }

    [Fact]
    public void Create_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DraftSampler.Create([1], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DraftSampler.Create([1], Vocabulary, new GenerationOptions { TopP = 0f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DraftSampler.Create([1], Vocabulary, speculativeOptions: new SpeculativeOptions { DraftTokens = 0 }));
    }
}
