using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Onnx;

public sealed class CancellationTests
{
    private static OnnxCausalLM Larger() =>
        LoadedModels.Get(TestModels.Folder("larger", TestModels.Target with { HiddenSize = 256, Heads = 8, KeyValueHeads = 2, IntermediateSize = 512, Layers = 4, ContextLength = 2048 }));

    [Fact]
    public void CancelledDuringALongPass_Throws_AndTheModelStaysUsable()
    {
        // One pass for the whole prompt: only ONNX Runtime's terminate flag can stop it early.
        using OnnxCausalLM model = OnnxCausalLM.Load(Larger().ModelPath, new OnnxModelOptions { MaxTokensPerPass = 2048 });
        int[] prompt = [.. Enumerable.Range(0, 2000).Select(i => (i * 7) % 96)];

        // How long an uncancelled pass takes here only decides when to cancel; nothing asserts on time.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (IModelSession uncancelled = model.CreateSession(2048))
        {
            uncancelled.Append(prompt);
        }

        TimeSpan quarter = clock.Elapsed / 4;
        OperationCanceledException? cancelled = null;
        for (int attempt = 0; attempt < 3 && cancelled is null; attempt++)
        {
            using var cts = new CancellationTokenSource();
            using IModelSession session = model.CreateSession(2048);
            var pass = Task.Factory.StartNew(() => session.Append(prompt, cts.Token), TaskCreationOptions.LongRunning);
            Thread.Sleep(quarter);
            cts.Cancel();
            try
            {
                pass.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException ex)
            {
                cancelled = ex;
                Assert.Equal(cts.Token, ex.CancellationToken);
                Assert.Throws<InvalidOperationException>(() => session.Append([1])); // a cancelled cache is not trusted again
            }
        }

        Assert.NotNull(cancelled);
        using IModelSession fresh = model.CreateSession(16);
        fresh.Append([1, 2, 3]);
        using IModelSession again = model.CreateSession(16);
        again.Append([1, 2, 3]);
        Assert.Equal(fresh.GetLogits(2).ToArray(), again.GetLogits(2).ToArray());
    }

    [Fact]
    public async Task CancelledGeneration_OnOnnxModels_ThrowsAndTheNextGenerationIsExact()
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.GqaTarget);
        OnnxCausalLM draft = LoadedModels.Get(TestModels.StandardTarget);
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3 });
        var options = new GenerationOptions { MaxNewTokens = 200, IgnoreEndOfSequence = true };
        using var cts = new CancellationTokenSource();
        int seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GeneratedToken _ in generator.GenerateAsync(new[] { 1, 2, 3 }, options, null, cts.Token))
            {
                if (++seen == 10)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.InRange(seen, 10, 14);
        GenerationResult speculative = await generator.GenerateToListAsync(new[] { 1, 2, 3 }, options);
        GenerationResult alone = await new SpeculativeGenerator(target).GenerateToListAsync(new[] { 1, 2, 3 }, options);
        Assert.Equal(alone.Ids, speculative.Ids);
    }

    [Fact]
    public void ATokenFromAnEarlierCall_CannotStopALaterPass()
    {
        using IModelSession session = LoadedModels.Get(TestModels.GqaTarget).CreateSession(16);
        using var earlier = new CancellationTokenSource();
        session.Append([1, 2], earlier.Token);
        session.Append([3], CancellationToken.None);
        earlier.Cancel();
        session.Append([4, 5]); // would fail with a stale registration setting the terminate flag
        Assert.Equal(5, session.Length);
    }

    [Fact]
    public void ATokenCancelledAfterItsLastPass_CannotStopTheNextCallersPass()
    {
        // A request's timeout firing after the request ended, on a session the pool then hands to the next request.
        using IModelSession session = LoadedModels.Get(TestModels.GqaTarget).CreateSession(16);
        using var finished = new CancellationTokenSource();
        session.Append([1, 2], finished.Token);
        finished.Cancel();

        session.Append([3, 4], CancellationToken.None);
        using var next = new CancellationTokenSource();
        session.Append([5], next.Token);

        Assert.Equal(5, session.Length);
    }
}
