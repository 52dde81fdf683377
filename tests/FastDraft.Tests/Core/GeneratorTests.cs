using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

public sealed class GeneratorTests
{
    private const int Vocabulary = 50;
    private static readonly int[] Prompt = [3, 14, 15, 9, 26];

    private static FunctionModel Model(int[]? endOfSequence = null) =>
        new(Vocabulary, context => ((context[^1] * 7) + (context.Length * 3) + 1) % Vocabulary, endOfSequence);

    /// <summary>The target's own greedy continuation, computed without the generator.</summary>
    private static int[] Reference(FunctionModel model, int[] prompt, int count)
    {
        var context = new List<int>(prompt);
        for (int i = 0; i < count; i++)
        {
            context.Add(model.Next(context.ToArray()));
        }

        return [.. context.Skip(prompt.Length)];
    }

    private static ScriptedDraft PerfectDraft(FunctionModel model) => new((context, k) => Reference(model, context, k));

    private static ScriptedDraft WrongDraft(FunctionModel model) => new((context, k) => [.. Reference(model, context, k).Select(t => (t + 1) % Vocabulary)]);

    [Fact]
    public async Task TargetOnly_EmitsTheTargetsGreedyTokens_WithTargetSource()
    {
        FunctionModel model = Model();
        GenerationResult result = await new SpeculativeGenerator(model).GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 30 });

        Assert.Equal(Reference(model, Prompt, 30), result.Ids);
        Assert.All(result.Tokens, t => Assert.Equal(TokenSource.Target, t.Source));
        Assert.Equal(Enumerable.Range(0, 30), result.Tokens.Select(t => t.Index));
        Assert.Equal(30, result.Stats.TargetCalls);
        Assert.Equal(StopReason.MaxNewTokens, result.Stats.StopReason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task PerfectDraft_EmitsDraftedTokensAndBonuses_InOnePassPerRound(int k)
    {
        FunctionModel model = Model();
        var generator = new SpeculativeGenerator(model, PerfectDraft(model), new SpeculativeOptions { DraftTokens = k, AdaptiveDraftTokens = false });
        GenerationResult result = await generator.GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 1 + (5 * (k + 1)) });

        Assert.Equal(Reference(model, Prompt, 1 + (5 * (k + 1))), result.Ids);
        Assert.Equal(TokenSource.Target, result.Tokens[0].Source);
        for (int round = 0; round < 5; round++)
        {
            IEnumerable<TokenSource> sources = result.Tokens.Skip(1 + (round * (k + 1))).Take(k + 1).Select(t => t.Source);
            Assert.Equal([.. Enumerable.Repeat(TokenSource.Draft, k), TokenSource.Bonus], sources);
        }

        Assert.Equal(6, result.Stats.TargetCalls); // the prompt pass plus one pass per round
        Assert.Equal(5 * k, result.Stats.AcceptedTokens);
        Assert.Equal(1.0, result.Stats.AcceptanceRate);
        Assert.Equal(k, result.Stats.MeanAcceptedLength);
        Assert.All(model.AppendSizes.Skip(1), size => Assert.Equal(k + 1, size));
    }

    [Fact]
    public async Task WrongDraft_EveryRoundEndsWithACorrection_AndOutputIsUnchanged()
    {
        FunctionModel model = Model();
        var generator = new SpeculativeGenerator(model, WrongDraft(model), new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false });
        GenerationResult result = await generator.GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 25 });

        Assert.Equal(Reference(model, Prompt, 25), result.Ids);
        Assert.All(result.Tokens.Skip(1).SkipLast(1), t => Assert.Equal(TokenSource.Correction, t.Source));
        Assert.Equal(TokenSource.Target, result.Tokens[^1].Source); // a budget of one token leaves nothing to draft
        Assert.Equal(0, result.Stats.AcceptedTokens);
        Assert.Equal(result.Stats.DraftRounds, result.Stats.EvaluatedTokens); // only the first proposal of each round is judged
        Assert.True(result.Stats.DraftedTokens > result.Stats.EvaluatedTokens);
        Assert.Equal(0.0, result.Stats.AcceptanceRate);
        Assert.True(result.Stats.DraftedTokens > 0);
    }

    [Fact]
    public async Task PartlyRightDraft_AcceptsThePrefixThenCorrects()
    {
        FunctionModel model = Model();
        var draft = new ScriptedDraft((context, k) =>
        {
            if (k == 0)
            {
                return [];
            }

            int[] right = Reference(model, context, k);
            right[Math.Min(2, k - 1)] = (right[Math.Min(2, k - 1)] + 1) % Vocabulary; // the third proposal is wrong
            return right;
        });
        GenerationResult result = await new SpeculativeGenerator(model, draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false })
            .GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 31 });

        Assert.Equal(Reference(model, Prompt, 31), result.Ids);
        TokenSource[] round = [TokenSource.Draft, TokenSource.Draft, TokenSource.Correction];
        // Nine full rounds; the budget then shrinks the last proposals.
        Assert.Equal([TokenSource.Target, .. Enumerable.Repeat(round, 9).SelectMany(r => r)], result.Tokens.Take(28).Select(t => t.Source));
        Assert.Equal(0.5, result.Stats.AcceptanceRate);

        // By position: nine rounds accept positions 1-2 and reject 3; the last, cut to two proposals,
        // accepts its first and rejects its second.
        Assert.Equal([10, 9, 0, 0], result.Stats.AcceptedByPosition);
        Assert.Equal([10, 10, 9, 0], result.Stats.EvaluatedByPosition);
        Assert.Equal(result.Stats.AcceptedTokens, result.Stats.AcceptedByPosition.Sum());
        Assert.Equal(result.Stats.EvaluatedTokens, result.Stats.EvaluatedByPosition.Sum());
    }

    [Fact]
    public async Task EndOfSequenceInsideAcceptedBlock_EndsThere_AndNothingAfterIsEmitted()
    {
        FunctionModel probe = Model();
        int[] reference = Reference(probe, Prompt, 40);
        int eos = reference[6]; // reached inside the second round's accepted block when K = 4
        int firstEos = Array.IndexOf(reference, eos);
        FunctionModel model = Model(endOfSequence: [eos]);

        GenerationResult result = await new SpeculativeGenerator(model, PerfectDraft(model), new SpeculativeOptions { DraftTokens = 4 })
            .GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 40 });

        Assert.Equal(reference[..(firstEos + 1)], result.Ids);
        Assert.Equal(StopReason.EndOfSequence, result.Stats.StopReason);
        Assert.Equal(firstEos + 1, result.Stats.GeneratedTokens);
    }

    [Fact]
    public async Task StopTokenIds_EndTheGeneration_WithStopTokenReason()
    {
        FunctionModel model = Model();
        int[] reference = Reference(model, Prompt, 40);
        int stop = reference[9];
        GenerationResult result = await new SpeculativeGenerator(model, PerfectDraft(model), new SpeculativeOptions { DraftTokens = 3 })
            .GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 40, StopTokenIds = [stop] });

        Assert.Equal(reference[..(Array.IndexOf(reference, stop) + 1)], result.Ids);
        Assert.Equal(StopReason.StopToken, result.Stats.StopReason);
    }

    [Fact]
    public async Task IgnoreEndOfSequence_RunsToMaxNewTokens()
    {
        FunctionModel probe = Model();
        int eos = Reference(probe, Prompt, 5)[2];
        FunctionModel model = Model(endOfSequence: [eos]);
        GenerationResult result = await new SpeculativeGenerator(model)
            .GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 20, IgnoreEndOfSequence = true });

        Assert.Equal(20, result.Ids.Length);
        Assert.Equal(StopReason.MaxNewTokens, result.Stats.StopReason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(11)]
    public async Task MaxNewTokens_IsNeverExceeded_AndTheDraftIsAskedForNoMoreThanTheBudget(int maxNewTokens)
    {
        FunctionModel model = Model();
        ScriptedDraft draft = PerfectDraft(model);
        GenerationResult result = await new SpeculativeGenerator(model, draft, new SpeculativeOptions { DraftTokens = 8, AdaptiveDraftTokens = false })
            .GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = maxNewTokens });

        Assert.Equal(Reference(model, Prompt, maxNewTokens), result.Ids);
        Assert.Equal(0, draft.RequestedLengths[0]); // during the prompt pass the draft only reads the prompt
        Assert.All(draft.RequestedLengths.Skip(1), length => Assert.InRange(length, 1, Math.Min(8, maxNewTokens - 1)));
    }

    [Fact]
    public void GenerateAsync_ValidatesArgumentsWhenCalled_NotWhenEnumerated()
    {
        var generator = new SpeculativeGenerator(Model());

        var empty = Assert.Throws<ArgumentException>(() => generator.GenerateAsync(Array.Empty<int>()));
        Assert.Equal("promptIds", empty.ParamName);

        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync(new[] { 1, 2, 77 }));
        Assert.Contains("77", outside.Message, StringComparison.Ordinal);
        Assert.Contains("position 2", outside.Message, StringComparison.Ordinal);
        Assert.Contains($"size {Vocabulary}", outside.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync(new[] { -1 }));

        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 0 }));
        Assert.Equal("options", zero.ParamName);

        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 4092 }));
        Assert.Contains("5 tokens", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("4092", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("4096", tooLong.Message, StringComparison.Ordinal);

        var badStop = Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync(Prompt, new GenerationOptions { StopTokenIds = [Vocabulary] }));
        Assert.Contains($"{Vocabulary}", badStop.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_RejectsBadOptions_AcceptsADraftOfAnotherWidth()
    {
        FunctionModel model = Model();
        Assert.Throws<ArgumentNullException>(() => new SpeculativeGenerator(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpeculativeGenerator(model, null, new SpeculativeOptions { DraftTokens = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpeculativeGenerator(model, null, new SpeculativeOptions { DraftTokens = 65 }));

        // Widths may differ (the tokenizers are compared where the folders are known: TokenizerCompatibility).
        Assert.Equal(Vocabulary + 14, new SpeculativeGenerator(model, new FunctionModel(Vocabulary + 14, _ => 0).AsDraft()).Draft!.VocabularySize);
    }

    [Fact]
    public async Task TargetThatCannotVerify_IsRefusedWithADraft_ButDecodesAlone()
    {
        var model = new FunctionModel(Vocabulary, c => c.Length % Vocabulary, cannotVerify: "it returns logits for the last position only.");
        var refused = Assert.Throws<ModelNotSupportedException>(() => new SpeculativeGenerator(model, new NGramDraftModel()));
        Assert.Contains("'fake'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("last position only", refused.Message, StringComparison.Ordinal);

        GenerationResult alone = await new SpeculativeGenerator(model).GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 4 });
        Assert.Equal(4, alone.Ids.Length);
    }

    [Fact]
    public async Task CancelledBeforeStart_ThrowsOnFirstMoveNext_AndCreatesNoSession()
    {
        FunctionModel model = Model();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        IAsyncEnumerable<GeneratedToken> stream = new SpeculativeGenerator(model).GenerateAsync(Prompt, cancellationToken: cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GeneratedToken _ in stream)
            {
            }
        });
        Assert.Equal(0, model.SessionsCreated);
    }

    [Fact]
    public async Task CancelledMidStream_Throws_DisposesSessions_AndLeavesTheModelUsable()
    {
        FunctionModel model = Model();
        var generator = new SpeculativeGenerator(model, PerfectDraft(model), new SpeculativeOptions { DraftTokens = 2 });
        using var cts = new CancellationTokenSource();
        var seen = new List<int>();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GeneratedToken token in generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 100 }, null, cts.Token))
            {
                seen.Add(token.Id);
                if (seen.Count == 5)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(cts.Token, thrown.CancellationToken);
        Assert.InRange(seen.Count, 5, 7); // at most the rest of the round in flight
        Assert.Equal(model.SessionsCreated, model.SessionsDisposed);
        GenerationResult again = await generator.GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 10 });
        Assert.Equal(Reference(model, Prompt, 10), again.Ids);
    }

    [Fact]
    public async Task AbandonedEnumeration_DisposesSessions()
    {
        FunctionModel model = Model();
        await foreach (GeneratedToken token in new SpeculativeGenerator(model).GenerateAsync(Prompt))
        {
            if (token.Index == 2)
            {
                break;
            }
        }

        Assert.Equal(1, model.SessionsCreated);
        Assert.Equal(1, model.SessionsDisposed);
    }

    [Fact]
    public async Task Stats_AreConsistentWithTheEmittedTokens()
    {
        FunctionModel model = Model();
        var draft = new ScriptedDraft((context, k) => context.Length % 2 == 0 ? Reference(model, context, k) : [(Reference(model, context, 1)[0] + 1) % Vocabulary]);
        (IReadOnlyList<GeneratedToken> tokens, GenerationStats stats) = await new SpeculativeGenerator(model, draft, new SpeculativeOptions { DraftTokens = 3 }).GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 40 });

        Assert.Equal(tokens.Count, stats.GeneratedTokens);
        Assert.Equal(tokens.Count(t => t.Source == TokenSource.Draft), stats.AcceptedTokens);
        Assert.Equal(stats.Rounds + 1, stats.TargetCalls);
        Assert.Equal(tokens.Count - 1, stats.AcceptedTokens + stats.Rounds);
        Assert.Equal((double)stats.AcceptedTokens / stats.DraftedTokens, stats.AcceptanceRate);
        Assert.Equal(stats.AcceptedTokens + tokens.Count(t => t.Source == TokenSource.Correction), stats.EvaluatedTokens); // a rejection judges one more
        Assert.Equal((double)stats.AcceptedTokens / stats.EvaluatedTokens, stats.Alpha);
        Assert.Equal(Prompt.Length, stats.PromptTokens);
        Assert.True(stats.TotalTime >= stats.TimeToFirstToken && stats.TimeToFirstToken > TimeSpan.Zero);
        Assert.True(stats.TokensPerSecond > 0);
    }

    [Fact]
    public async Task ConcurrentGenerations_OnOneGenerator_AreIndependent()
    {
        FunctionModel model = Model();
        var generator = new SpeculativeGenerator(model, PerfectDraft(model), new SpeculativeOptions { DraftTokens = 3 });
        int[][] prompts = [.. Enumerable.Range(0, 8).Select(i => new[] { i, (i * 3) % Vocabulary, 7 })];

        GenerationResult[] results = await Task.WhenAll(prompts.Select(p => Task.Run(() => generator.GenerateToListAsync(p, new GenerationOptions { MaxNewTokens = 50 }))));

        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(Reference(model, prompts[i], 50), results[i].Ids);
        }
    }
}
