using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

public sealed class NGramDraftTests
{
    private static int[] Propose(NGramDraftModel model, int[] context, int count)
    {
        var proposal = new int[count];
        using IDraftSession session = model.CreateDraftSession(context.Length);
        using DraftSampler sampler = DraftSampler.Create(context, 1000, speculativeOptions: new SpeculativeOptions { DraftTokens = count });
        int n = session.Propose(context, proposal, sampler);
        Assert.Equal(n, sampler.Count); // n-gram drafting proposes with certainty: each token copied, none chosen from logits
        Assert.All(Enumerable.Range(0, n), i => Assert.True(sampler.IsCopied(i)));
        return proposal[..n];
    }

    [Fact]
    public void Propose_ContinuesTheLastEarlierOccurrence_PeriodicallyPastTheEnd()
    {
        // [1,2] recurs at 0; what followed it is 3,4,1,2 and then the proposal repeats itself.
        Assert.Equal([3, 4, 1, 2, 3, 4], Propose(new NGramDraftModel(2, 2), [1, 2, 3, 4, 1, 2], 6));
    }

    [Fact]
    public void Propose_PrefersTheMostRecentOccurrence()
    {
        Assert.Equal([8, 5], Propose(new NGramDraftModel(2, 2), [5, 6, 7, 5, 6, 8, 5, 6], 2));
    }

    [Fact]
    public void Propose_BacksOffToShorterNgrams()
    {
        // The 3-gram [7,1,2] never recurred; the 2-gram [1,2] did.
        Assert.Equal([7, 1], Propose(new NGramDraftModel(3, 2), [9, 1, 2, 7, 1, 2], 2));
        Assert.Empty(Propose(new NGramDraftModel(3, 3), [9, 1, 2, 7, 1, 2], 2));
    }

    [Fact]
    public void Propose_ReturnsNothing_WhenNothingRecurs()
    {
        Assert.Empty(Propose(new NGramDraftModel(), [1, 2, 3, 4, 5], 4));
        Assert.Empty(Propose(new NGramDraftModel(), [1], 4));
    }

    [Fact]
    public void Lookup_AllocatesNothing()
    {
        var model = new NGramDraftModel(4, 1);
        int[] context = [.. Enumerable.Range(0, 4096).Select(i => (i * 31) % 500), 17, 42];
        var proposal = new int[8];
        model.Lookup(context, proposal);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            model.Lookup(context, proposal);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Constructor_ValidatesSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NGramDraftModel(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NGramDraftModel(65));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NGramDraftModel(2, 3));
        Assert.Null(new NGramDraftModel().VocabularySize);
    }
}

public sealed class LanguageModelDraftTests
{
    private const int Vocabulary = 40;

    [Fact]
    public void Truncate_RollsBackTheRejectedProposals_AndProposeCatchesUpInOnePass()
    {
        var model = new FunctionModel(Vocabulary, c => ((c[^1] * 5) + c.Length) % Vocabulary);
        using IDraftSession session = new LanguageModelDraft(model).CreateDraftSession(100);
        int[] context = [1, 2, 3];
        int[] proposal = Propose(session, context, 4);

        Assert.Equal(4, proposal.Length);
        Assert.Equal(4, session.ModelCalls); // one catch-up pass, then one per further proposal

        // The target accepted two proposals and corrected the third: the draft must continue from there.
        int[] next = [.. context, proposal[0], proposal[1], (proposal[2] + 1) % Vocabulary];
        session.Truncate(context.Length + 2);
        int[] second = Propose(session, next, 3);

        using IDraftSession fresh = new LanguageModelDraft(model).CreateDraftSession(100);
        Assert.Equal(Propose(fresh, next, 3), second);
        Assert.Equal(1, model.AppendSizes[4]); // the catch-up fed only the correction
    }

    [Fact]
    public void Propose_StopsAtTheDraftsCapacity()
    {
        var model = new FunctionModel(Vocabulary, c => c.Length % Vocabulary, contextLength: 8);
        using IDraftSession session = new LanguageModelDraft(model).CreateDraftSession(8);
        Assert.Equal(2, Propose(session, [1, 2, 3, 4, 5, 6, 7], 4).Length);
        Assert.Empty(Propose(session, [1, 2, 3, 4, 5, 6, 7, 8, 9], 4));
    }

    private static int[] Propose(IDraftSession session, int[] context, int count)
    {
        var proposal = new int[count];
        using DraftSampler sampler = DraftSampler.Create(context, Vocabulary, speculativeOptions: new SpeculativeOptions { DraftTokens = count });
        int n = session.Propose(context, proposal, sampler);
        Assert.Equal(n, sampler.Count); // a model draft chooses every proposal through the sampler
        return proposal[..n];
    }
}
