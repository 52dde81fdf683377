using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

/// <summary>
/// What one request may cost and share: options are validated before anything is sized by them,
/// buffers grow with the tokens that really come (issue 9 item 8), and each enumeration of a stream
/// records its own statistics (item 10).
/// </summary>
public sealed class StreamOwnershipTests
{
    private const int Vocabulary = 40;
    private static readonly int[] Prompt = [3, 14, 15, 9];

    private static FunctionModel Model(int contextLength = 4096, int[]? endOfSequence = null) =>
        new(Vocabulary, context => ((context[^1] * 7) + (context.Length * 3) + 1) % Vocabulary, endOfSequence, contextLength: contextLength);

    private static int[] Reference(FunctionModel model, int count)
    {
        var context = new List<int>(Prompt);
        for (int i = 0; i < count; i++)
        {
            context.Add(model.Next(context.ToArray()));
        }

        return [.. context.Skip(Prompt.Length)];
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(0)]
    [InlineData(int.MaxValue)]
    [InlineData(100_000_000)]
    public void GenerateToListAsync_BadMaxNewTokens_IsRefusedNamingTheOption_BeforeAllocatingForIt(int maxNewTokens)
    {
        var generator = new SpeculativeGenerator(Model());
        long before = GC.GetAllocatedBytesForCurrentThread();
        Task<GenerationResult> task = generator.GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = maxNewTokens }, TestContext.Current.CancellationToken);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(task.IsFaulted);
        var ex = Assert.IsType<ArgumentOutOfRangeException>(task.Exception!.InnerException);
        Assert.Equal("options", ex.ParamName);
        Assert.Contains("MaxNewTokens", ex.Message, StringComparison.Ordinal);
        Assert.True(allocated < 256 * 1024, $"{allocated} bytes allocated before the error");
    }

    [Theory]
    [InlineData("target-only")]
    [InlineData("ngram")]
    [InlineData("model-draft")]
    public async Task ModelClaimingAHugeContext_ShortGeneration_AllocatesLittle(string mode)
    {
        // The model claims 2^31 - 1 tokens of context and the request allows 100 million new ones,
        // but the generation ends at its third token: it must cost what three tokens cost.
        LogitsModel target = LogitsModel.Hashed(Vocabulary, 3, contextLength: int.MaxValue);
        var stopAfterThree = new StopAt(Prompt.Length + 3);
        var generator = mode switch
        {
            "target-only" => new SpeculativeGenerator(target),
            "ngram" => new SpeculativeGenerator(target, new NGramDraftModel(2)),
            _ => new SpeculativeGenerator(target, LogitsModel.Hashed(Vocabulary, 4, contextLength: int.MaxValue).AsDraft()),
        };
        var options = new GenerationOptions { MaxNewTokens = 100_000_000, LogitsProcessors = [stopAfterThree], StopTokenIds = [0] };
        await generator.GenerateToListAsync(Prompt, options with { MaxNewTokens = 5 }, TestContext.Current.CancellationToken); // warm up (JIT)

        long before = GC.GetAllocatedBytesForCurrentThread();
        GenerationResult result = await generator.GenerateToListAsync(Prompt, options, TestContext.Current.CancellationToken);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(3, result.Tokens.Count);
        Assert.Equal(StopReason.StopToken, result.Stats.StopReason);
        Assert.True(allocated < 2 * 1024 * 1024, $"{allocated} bytes allocated for a 3-token generation");
    }

    [Fact]
    public async Task LongGeneration_GrowsTheContextBuffer_AndStaysExact()
    {
        // Beyond the first buffer's room (1024 new tokens), with drafts writing right at its end.
        FunctionModel model = Model();
        var draft = new ScriptedDraft((context, k) =>
        {
            var reference = new List<int>(context);
            for (int i = 0; i < k; i++)
            {
                reference.Add(model.Next(reference.ToArray()));
            }

            return [.. reference.Skip(context.Length)];
        });
        var generator = new SpeculativeGenerator(model, draft, new SpeculativeOptions { DraftTokens = 5, AdaptiveDraftTokens = false });
        GenerationResult result = await generator.GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 2500 }, TestContext.Current.CancellationToken);
        Assert.Equal(Reference(model, 2500), result.Ids);

        GenerationResult alone = await new SpeculativeGenerator(model, model.AsDraft()).GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 2100 }, TestContext.Current.CancellationToken);
        Assert.Equal(Reference(model, 2100), alone.Ids);
    }

    [Fact]
    public async Task SameStream_EnumeratedTwiceAtOnce_TheSecondThrows_AndTheFirstKeepsItsOwnStats()
    {
        FunctionModel model = Model();
        var stats = new GenerationStats();
        IAsyncEnumerable<GeneratedToken> stream = new SpeculativeGenerator(model).GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 10 }, stats);

        await using IAsyncEnumerator<GeneratedToken> first = stream.GetAsyncEnumerator(TestContext.Current.CancellationToken);
        Assert.True(await first.MoveNextAsync());
        var ids = new List<int> { first.Current.Id };

        await using (IAsyncEnumerator<GeneratedToken> second = stream.GetAsyncEnumerator(TestContext.Current.CancellationToken))
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await second.MoveNextAsync());
            Assert.Contains("GenerationStats", ex.Message, StringComparison.Ordinal);
            Assert.Contains("already recording", ex.Message, StringComparison.Ordinal);
        }

        while (await first.MoveNextAsync())
        {
            ids.Add(first.Current.Id);
        }

        Assert.Equal(Reference(model, 10), ids);
        Assert.Equal(10, stats.GeneratedTokens); // not 10 plus whatever the second run did
        Assert.Equal(10, stats.TargetCalls);
        Assert.Equal(StopReason.MaxNewTokens, stats.StopReason);
    }

    [Fact]
    public async Task SameStream_EnumeratedAgainAfterwards_RecordsOnlyTheNewRun()
    {
        FunctionModel model = Model();
        var stats = new GenerationStats();
        IAsyncEnumerable<GeneratedToken> stream = new SpeculativeGenerator(model).GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 7 }, stats);

        var firstIds = new List<int>();
        await foreach (GeneratedToken token in stream)
        {
            firstIds.Add(token.Id);
        }

        var secondIds = new List<int>();
        await foreach (GeneratedToken token in stream)
        {
            secondIds.Add(token.Id);
        }

        Assert.Equal(firstIds, secondIds);
        Assert.Equal((7, 7), (stats.GeneratedTokens, stats.TargetCalls));
    }

    [Fact]
    public async Task DisposingAnEnumeratorEarly_ReleasesTheStats_ForTheNextEnumeration()
    {
        FunctionModel model = Model();
        var stats = new GenerationStats();
        IAsyncEnumerable<GeneratedToken> stream = new SpeculativeGenerator(model).GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 6 }, stats);
        await using (IAsyncEnumerator<GeneratedToken> abandoned = stream.GetAsyncEnumerator(TestContext.Current.CancellationToken))
        {
            Assert.True(await abandoned.MoveNextAsync());
        }

        int count = 0;
        await foreach (GeneratedToken token in stream)
        {
            count++;
        }

        Assert.Equal((6, 6), (count, stats.GeneratedTokens));
    }

    [Fact]
    public async Task OneStatsInstance_PassedToTwoConcurrentGenerations_IsRefusedForTheSecond()
    {
        var generator = new SpeculativeGenerator(Model());
        var stats = new GenerationStats();
        await using IAsyncEnumerator<GeneratedToken> first = generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 4 }, stats).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        Assert.True(await first.MoveNextAsync());

        await using IAsyncEnumerator<GeneratedToken> other = generator.GenerateAsync(new[] { 1, 2 }, new GenerationOptions { MaxNewTokens = 4 }, stats).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await other.MoveNextAsync());
        Assert.Equal(Prompt.Length, stats.PromptTokens); // still the first run's
    }

    [Fact]
    public async Task SameStreamWithoutStats_EnumeratedTwiceAtOnce_GivesTwoIndependentRuns()
    {
        FunctionModel model = Model();
        IAsyncEnumerable<GeneratedToken> stream = new SpeculativeGenerator(model).GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 12 });
        await using IAsyncEnumerator<GeneratedToken> a = stream.GetAsyncEnumerator(TestContext.Current.CancellationToken);
        await using IAsyncEnumerator<GeneratedToken> b = stream.GetAsyncEnumerator(TestContext.Current.CancellationToken);
        var (idsA, idsB) = (new List<int>(), new List<GeneratedToken>());
        while (await a.MoveNextAsync() & await b.MoveNextAsync())
        {
            idsA.Add(a.Current.Id);
            idsB.Add(b.Current);
        }

        Assert.Equal(Reference(model, 12), idsA);
        Assert.Equal(Reference(model, 12), idsB.Select(t => t.Id));
        Assert.Equal(Enumerable.Range(0, 12), idsB.Select(t => t.Index)); // indices count each run on its own
    }

    /// <summary>Forces token 0 (a stop token in the test) at one context length: a generation that ends early.</summary>
    private sealed class StopAt(int length) : ILogitsProcessor
    {
        public void Process(Span<float> logits, ReadOnlySpan<int> context)
        {
            if (context.Length == length - 1)
            {
                logits.Fill(float.NegativeInfinity);
                logits[0] = 0f;
            }
            else
            {
                logits[0] = float.NegativeInfinity;
            }
        }
    }
}
