using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

/// <summary>
/// <see cref="CombinedDraftModel"/>: which source proposes each position of a chain, the draft model's catch-up on
/// copied tokens, and, through the generator, greedy exactness and per-source provenance and statistics.
/// </summary>
public sealed class CombinedDraftTests
{
    private const int Vocabulary = 40;

    [Fact]
    public void Propose_CopiesALongMatch_WithoutADraftPass()
    {
        var model = new FunctionModel(Vocabulary, c => (c[^1] + 1) % Vocabulary);
        using IDraftSession session = new CombinedDraftModel(new LanguageModelDraft(model)).CreateDraftSession(64);
        int[] context = [5, 6, 7, 8, 9, 10, 11, 1, 2, 5, 6, 7, 8, 9, 10]; // the last six tokens recur at the start

        (int[] proposal, bool[] copied) = Propose(session, context, 4);

        Assert.Equal([11, 1, 2, 5], proposal);
        Assert.All(copied, Assert.True);
        Assert.Equal(0, session.ModelCalls);
    }

    [Fact]
    public void Propose_UsesTheModel_WhereNothingRecurs()
    {
        var model = new FunctionModel(Vocabulary, c => (c[^1] + 1) % Vocabulary);
        using IDraftSession session = new CombinedDraftModel(new LanguageModelDraft(model)).CreateDraftSession(64);

        (int[] proposal, bool[] copied) = Propose(session, [1, 2, 3, 4], 4);

        Assert.Equal([5, 6, 7, 8], proposal);
        Assert.All(copied, Assert.False);
        Assert.Equal(4, session.ModelCalls); // one catch-up pass, then one per further proposal
    }

    [Fact]
    public void Propose_AfterCopiedTokens_TheModelCatchesUpInOnePass()
    {
        var model = new FunctionModel(Vocabulary, c => (c[^1] + 1) % Vocabulary);
        using IDraftSession session = new CombinedDraftModel(new LanguageModelDraft(model)).CreateDraftSession(64);
        int[] context = [5, 6, 7, 8, 9, 10, 11, 1, 2, 5, 6, 7, 8, 9, 10];
        (int[] proposal, _) = Propose(session, context, 4);
        Assert.Equal(0, session.ModelCalls);

        // The target accepted all four and added 30, which does not recur: the model reads the context in one pass.
        session.Truncate(context.Length + 4);
        int[] next = [.. context, .. proposal, 30];
        (int[] second, bool[] copied) = Propose(session, next, 1);

        Assert.Equal([31], second);
        Assert.Equal([false], copied);
        Assert.Equal(1, session.ModelCalls);
        Assert.Equal(next.Length, model.AppendSizes[^1]);
    }

    [Fact]
    public void Propose_TurnsToLookup_AsTheMatchGrowsLong()
    {
        // Every token occurs in the prompt once, in order; the target goes on copying it, the model never agrees.
        var model = new FunctionModel(Vocabulary, c => (c[^1] + 3) % Vocabulary);
        using IDraftSession session = new CombinedDraftModel(new LanguageModelDraft(model)).CreateDraftSession(256);
        var context = new List<int>([.. Enumerable.Range(0, Vocabulary), 0]);
        var copiedByRound = new List<bool>();
        for (int round = 0; round < 12; round++)
        {
            (int[] proposal, bool[] copied) = Propose(session, [.. context], 2);
            Assert.Equal(2, proposal.Length);
            copiedByRound.Add(copied[0]);
            session.Truncate(context.Count); // the target rejected the model's first proposal, or accepted lookup's
            context.Add((context[^1] + 1) % Vocabulary);
        }

        Assert.False(copiedByRound[0], "a one-token match should not displace a draft model not yet known to be wrong");
        Assert.All(copiedByRound.Skip(4), Assert.True);
    }

    [Fact]
    public void Constructor_RefusesALookupAsTheModel()
    {
        Assert.Throws<ArgumentException>(() => new CombinedDraftModel(new NGramDraftModel()));
        Assert.Throws<ArgumentException>(() => new CombinedDraftModel(new CombinedDraftModel(new LanguageModelDraft(new FunctionModel(Vocabulary, _ => 0)))));
        Assert.Throws<ArgumentNullException>(() => new CombinedDraftModel(null!));
    }

    [Fact]
    public void Propose_RefusesAModelThatDoesNotChooseThroughTheSampler()
    {
        using IDraftSession session = new CombinedDraftModel(new ScriptedDraft((_, k) => [.. Enumerable.Repeat(1, k)], Vocabulary)).CreateDraftSession(64);
        Assert.Throws<InvalidOperationException>(() => Propose(session, [30, 31, 32], 2));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public async Task Greedy_EqualsTargetOnly_WithEachTokensSourceAndCounts(int k)
    {
        FunctionModel target = CopyingTarget();
        var draftModel = new FunctionModel(Vocabulary, c => c.Length % 7 == 0 ? (target.Next(c) + 1) % Vocabulary : target.Next(c)); // wrong now and then
        int[] prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var options = new GenerationOptions { MaxNewTokens = 120 };
        GenerationResult reference = await new SpeculativeGenerator(target).GenerateToListAsync(prompt, options, TestContext.Current.CancellationToken);

        var generator = new SpeculativeGenerator(target, new CombinedDraftModel(new LanguageModelDraft(draftModel)), new SpeculativeOptions { DraftTokens = k, AdaptiveDraftTokens = false });
        GenerationResult result = await generator.GenerateToListAsync(prompt, options, TestContext.Current.CancellationToken);

        Assert.Equal(reference.Ids, result.Ids);
        int lookup = result.Tokens.Count(t => t.Source == TokenSource.Lookup);
        int drafted = result.Tokens.Count(t => t.Source == TokenSource.Draft);
        Assert.True(lookup > 0 && drafted > 0, $"both sources should have tokens accepted: lookup {lookup}, draft model {drafted}");
        Assert.Equal(lookup, result.Stats.LookupAcceptedTokens);
        Assert.Equal(lookup + drafted, result.Stats.AcceptedTokens);
        Assert.InRange(result.Stats.LookupTokens, lookup, result.Stats.DraftedTokens - drafted);
    }

    [Fact]
    public async Task NGramDraft_EmitsLookupTokens()
    {
        FunctionModel target = CopyingTarget();
        var generator = new SpeculativeGenerator(target, new NGramDraftModel(), new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false });
        GenerationResult result = await generator.GenerateToListAsync(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, new GenerationOptions { MaxNewTokens = 60 }, TestContext.Current.CancellationToken);

        Assert.DoesNotContain(result.Tokens, t => t.Source == TokenSource.Draft);
        Assert.Equal(result.Tokens.Count(t => t.Source == TokenSource.Lookup), result.Stats.AcceptedTokens);
        Assert.Equal(result.Stats.AcceptedTokens, result.Stats.LookupAcceptedTokens);
        Assert.Equal(result.Stats.DraftedTokens, result.Stats.LookupTokens);
        Assert.True(result.Stats.AcceptedTokens > 0);
    }

    /// <summary>
    /// A target that alternates between copying (repeating the token twelve places back, as code being edited repeats
    /// its lines) and writing something new, fifteen tokens of each.
    /// </summary>
    private static FunctionModel CopyingTarget() => new(Vocabulary, c =>
        c.Length % 30 < 15 && c.Length >= 12 ? c[^12] : ((c[^1] * 7) + c.Length) % Vocabulary);

    private static (int[] Proposal, bool[] Copied) Propose(IDraftSession session, int[] context, int count)
    {
        var proposal = new int[count];
        using DraftSampler sampler = DraftSampler.Create(context, Vocabulary, speculativeOptions: new SpeculativeOptions { DraftTokens = count });
        int n = session.Propose(context, proposal, sampler);
        return (proposal[..n], [.. Enumerable.Range(0, n).Select(sampler.IsCopied)]);
    }
}
