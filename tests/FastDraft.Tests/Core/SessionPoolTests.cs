using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

/// <summary>Session reuse across generations (<see cref="SessionPool"/>): same tokens as fresh sessions, bounded, never shared.</summary>
public sealed class SessionPoolTests
{
    private const int Vocabulary = 50;

    /// <summary>A fake whose next token depends on the whole context, so that a wrong cache shows.</summary>
    private static int Next(ReadOnlySpan<int> context)
    {
        int hash = 7;
        foreach (int token in context)
        {
            hash = unchecked((hash * 31) + token);
        }

        return (int)((uint)hash % (Vocabulary - 1)) + 1;
    }

    /// <summary>A draft model that agrees with the target except after some contexts.</summary>
    private static int DraftNext(ReadOnlySpan<int> context) => context.Length % 5 == 0 ? (Next(context) % (Vocabulary - 1)) + 1 : Next(context);

    private static async Task<int[]> Generate(SpeculativeGenerator generator, int[] prompt, int tokens, GenerationStats? stats = null, long? seed = null)
    {
        var options = new GenerationOptions { MaxNewTokens = tokens, Temperature = seed is null ? 0 : 0.8f, Seed = seed };
        var ids = new List<int>();
        await foreach (GeneratedToken token in generator.GenerateAsync(prompt, options, stats))
        {
            ids.Add(token.Id);
        }

        return [.. ids];
    }

    private static int[] Turn(int[] previous, int[] reply, int seed, int count) => [.. previous, .. reply, .. Enumerable.Range(seed, count).Select(i => (i % (Vocabulary - 1)) + 1)];

    [Theory]
    [InlineData(null)]
    [InlineData(17L)]
    public async Task Reuse_MultiTurn_EmitsTheTokensOfFreshSessions_AndRunsOnlyTheNewTokens(long? seed)
    {
        var target = new FunctionModel(Vocabulary, Next);
        var draft = new LanguageModelDraft(new FunctionModel(Vocabulary, DraftNext));
        using var pool = new SessionPool();
        var pooled = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3, AdaptiveDraftTokens = false, SessionPool = pool });
        var fresh = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3, AdaptiveDraftTokens = false });

        int[] prompt = [1, 2, 3, 4, 5, 6];
        for (int turn = 0; turn < 4; turn++)
        {
            var stats = new GenerationStats();
            int passesBefore = target.AppendSizes.Count;
            int[] reused = await Generate(pooled, prompt, 12, stats, seed);
            int promptPass = target.AppendSizes[passesBefore];
            int[] expected = await Generate(fresh, prompt, 12, seed: seed);

            Assert.Equal(expected, reused);
            if (turn > 0)
            {
                Assert.True(stats.ReusedSession);
                Assert.Equal(prompt.Length - stats.ReusedPromptTokens, promptPass); // the prompt pass ran over the new tokens only
                Assert.True(stats.ReusedPromptTokens >= prompt.Length - 4 - 4, $"reused {stats.ReusedPromptTokens} of {prompt.Length}");
            }

            prompt = Turn(prompt, reused, turn * 3, 4);
        }

        Assert.Equal(3, pool.Hits);
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public async Task Reuse_WholePromptCached_RunsTheLastPromptTokenAgain()
    {
        var target = new FunctionModel(Vocabulary, Next);
        using var pool = new SessionPool();
        var generator = new SpeculativeGenerator(target, options: new SpeculativeOptions { SessionPool = pool });
        int[] prompt = [3, 1, 4, 1, 5, 9, 2, 6];

        int[] first = await Generate(generator, prompt, 5);
        var stats = new GenerationStats();
        int passesBefore = target.AppendSizes.Count;
        int[] second = await Generate(generator, prompt, 5, stats);

        Assert.Equal(first, second);
        Assert.Equal(prompt.Length - 1, stats.ReusedPromptTokens);
        Assert.Equal(1, target.AppendSizes[passesBefore]);
        Assert.Equal(1, target.SessionsCreated);
    }

    [Fact]
    public async Task Pool_SmallByteBudget_EvictsTheLeastRecentlyUsed_AndDisposesIt()
    {
        var inner = new FunctionModel(Vocabulary, Next, contextLength: 64);
        var target = new SizedModel(inner, bytesPerToken: 10); // a session of 64 tokens: 640 bytes
        using var pool = new SessionPool(new SessionPoolOptions { MaxBytes = 1300 }); // two sessions
        var generator = new SpeculativeGenerator(target, options: new SpeculativeOptions { SessionPool = pool });

        await Generate(generator, [1, 2, 3], 2);
        await Generate(generator, [4, 5, 6], 2);
        Assert.Equal((2, 1280L), (pool.Count, pool.Bytes));

        await Generate(generator, [7, 8, 9], 2); // evicts [1, 2, 3]
        Assert.Equal((2, 1280L), (pool.Count, pool.Bytes));
        Assert.Equal(1, inner.SessionsDisposed);

        var stats = new GenerationStats();
        await Generate(generator, [4, 5, 6, 10], 2, stats);
        Assert.Equal(3, stats.ReusedPromptTokens); // [4, 5, 6] was kept: the least recently used went first
        stats = new GenerationStats();
        await Generate(generator, [1, 2, 3, 10], 2, stats);
        Assert.False(stats.ReusedSession); // it was evicted
    }

    [Fact]
    public async Task Pool_SessionLargerThanTheBudget_IsNotKept()
    {
        var inner = new FunctionModel(Vocabulary, Next, contextLength: 64);
        using var pool = new SessionPool(new SessionPoolOptions { MaxBytes = 100 });
        var generator = new SpeculativeGenerator(new SizedModel(inner, bytesPerToken: 10), options: new SpeculativeOptions { SessionPool = pool });

        await Generate(generator, [1, 2, 3], 2);

        Assert.Equal(0, pool.Count);
        Assert.Equal(1, inner.SessionsDisposed);
    }

    [Fact]
    public async Task Pool_CancelledGeneration_DisposesItsSessions()
    {
        var target = new FunctionModel(Vocabulary, Next);
        using var pool = new SessionPool();
        var generator = new SpeculativeGenerator(target, options: new SpeculativeOptions { SessionPool = pool });
        using var cancellation = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GeneratedToken token in generator.GenerateAsync(new int[] { 1, 2, 3 }, new GenerationOptions { MaxNewTokens = 20 }, cancellationToken: cancellation.Token))
            {
                await cancellation.CancelAsync();
            }
        });

        Assert.Equal(0, pool.Count);
        Assert.Equal(1, target.SessionsDisposed);
    }

    [Fact]
    public async Task Pool_ConcurrentGenerationsSharingAPrefix_EachGetTheirOwnSession_AndFreshOutputs()
    {
        var target = new FunctionModel(Vocabulary, Next);
        var draft = new LanguageModelDraft(new FunctionModel(Vocabulary, DraftNext));
        using var pool = new SessionPool();
        var options = new SpeculativeOptions { DraftTokens = 2, AdaptiveDraftTokens = false };
        var pooled = new SpeculativeGenerator(target, draft, options with { SessionPool = pool });
        var fresh = new SpeculativeGenerator(target, draft, options);
        int[] system = [.. Enumerable.Range(1, 20)];
        await Generate(pooled, system, 1); // caches the shared prefix

        int[][] prompts = [.. Enumerable.Range(0, 6).Select(i => (int[])[.. system, 30 + i, 31 + i])];
        int[][] concurrent = await Task.WhenAll(prompts.Select(p => Task.Run(() => Generate(pooled, p, 10))));

        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(await Generate(fresh, prompts[i], 10), concurrent[i]);
        }

        Assert.True(pool.Hits >= 1);
        Assert.InRange(pool.Count, 1, prompts.Length);
    }

    [Fact]
    public async Task Telemetry_CountsLookupsHitsAndReusedTokens_OnlyForPooledGenerations()
    {
        using var capture = new TelemetryCapture();
        var target = new FunctionModel(Vocabulary, Next);
        using var pool = new SessionPool();
        var pooled = new SpeculativeGenerator(target, options: new SpeculativeOptions { SessionPool = pool, MeterFactory = capture.Factory });
        var fresh = new SpeculativeGenerator(target, options: new SpeculativeOptions { MeterFactory = capture.Factory });
        int[] prompt = [1, 2, 3, 4, 5];

        await Generate(fresh, prompt, 3);
        int[] first = await Generate(pooled, prompt, 3);
        var stats = new GenerationStats();
        await Generate(pooled, [.. prompt, (first[0] % (Vocabulary - 1)) + 1, 7], 3, stats); // diverges right after the prompt

        Assert.Equal(new[] { 1.0, 1.0 }, capture.Of("fastdraft.session_pool.lookups").Select(m => m.Value));
        Assert.Equal(new[] { 0.0, 1.0 }, capture.Of("fastdraft.session_pool.hits").Select(m => m.Value));
        Assert.Equal(new[] { 0.0, stats.ReusedPromptTokens }, capture.Of("fastdraft.session_pool.reused_tokens").Select(m => m.Value));
        Assert.Equal(prompt.Length, stats.ReusedPromptTokens);
        Assert.Equal((2L, 1L, 5L), (pool.Lookups, pool.Hits, pool.ReusedTokens));
    }

    /// <summary>A model that reports the bytes of its sessions' caches.</summary>
    private sealed class SizedModel(ITargetModel inner, long bytesPerToken) : DelegatingTargetModel(inner)
    {
        public override ModelInfo Info { get; } = inner.Info with { CacheBytesPerToken = bytesPerToken };
    }
}
