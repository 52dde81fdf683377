using System.Runtime.CompilerServices;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Onnx;

/// <summary>A generation whose enumerator is dropped undisposed releases its session once collected.</summary>
public sealed class SessionLeakTests
{
    private const int Dropped = 40;

    [Theory]
    [InlineData("gqa")]
    [InlineData("std")]
    public void DroppedEnumerators_ReleaseTheirSessions_WhenCollected(string flavour)
    {
        OnnxCausalLM model = OnnxCausalLM.Load(flavour == "gqa" ? TestModels.GqaTarget : TestModels.StandardTarget);
        Assert.Equal(0, model.ActiveSessions);

        Assert.Equal(Dropped, StartAndDrop(model, Dropped));
        for (int attempt = 0; attempt < 10 && model.ActiveSessions > 0; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        Assert.Equal(0, model.ActiveSessions);
        Assert.False(model.SessionReleased); // the model itself still holds it
        model.Dispose();
        Assert.True(model.SessionReleased); // nothing dropped kept the ONNX Runtime session alive
    }

    [Fact]
    public async Task DroppedEnumerator_WithACancellationTokenThatOutlivesIt_IsCollected_AndLaterCancelDoesNothing()
    {
        using var cancellation = new CancellationTokenSource();
        using OnnxCausalLM model = OnnxCausalLM.Load(TestModels.GqaTarget);
        Assert.Equal(1, StartAndDrop(model, 1, cancellation.Token));
        for (int attempt = 0; attempt < 10 && model.ActiveSessions > 0; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        Assert.Equal(0, model.ActiveSessions);
        await cancellation.CancelAsync(); // reaches only a released lease: no effect, no crash

        GenerationResult after = await new SpeculativeGenerator(model).GenerateToListAsync(new[] { 1, 2, 3 }, new GenerationOptions { MaxNewTokens = 4, IgnoreEndOfSequence = true });
        Assert.Equal(4, after.Ids.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int StartAndDrop(OnnxCausalLM model, int count, CancellationToken cancellationToken = default)
    {
        var generator = new SpeculativeGenerator(model, new NGramDraftModel());
        var enumerators = new List<IAsyncEnumerator<GeneratedToken>>();
        for (int i = 0; i < count; i++)
        {
            IAsyncEnumerator<GeneratedToken> enumerator = generator
                .GenerateAsync(new[] { 1, 2, 3, i % 90 }, new GenerationOptions { MaxNewTokens = 32, IgnoreEndOfSequence = true }, cancellationToken: cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            Assert.True(enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult());
            enumerators.Add(enumerator);
        }

        return model.ActiveSessions; // the enumerators are dropped on return, never disposed
    }
}
