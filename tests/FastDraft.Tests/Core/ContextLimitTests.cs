using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

/// <summary>A request longer than the context: refused in the caller's terms, or ended at the context with its own stop reason.</summary>
public sealed class ContextLimitTests
{
    private const int Vocabulary = 50;
    private const int Context = 40;
    private static readonly int[] Prompt = [3, 14, 15, 9, 26];

    private static FunctionModel Model() =>
        new(Vocabulary, context => ((context[^1] * 7) + (context.Length * 3) + 1) % Vocabulary, contextLength: Context);

    private static int[] Reference(FunctionModel model, int[] prompt, int count)
    {
        var context = new List<int>(prompt);
        for (int i = 0; i < count; i++)
        {
            context.Add(model.Next(context.ToArray()));
        }

        return [.. context.Skip(prompt.Length)];
    }

    public static TheoryData<int> DraftTokens => [0, 1, 4, 8];

    [Theory]
    [MemberData(nameof(DraftTokens))]
    public async Task StopAtContextLimit_EndsWhenTheContextIsFull_WithContextLimit(int k)
    {
        FunctionModel model = Model();
        IDraftModel? draft = k == 0 ? null : new ScriptedDraft((context, n) => Reference(model, context, n));
        var generator = new SpeculativeGenerator(model, draft, k == 0 ? null : new SpeculativeOptions { DraftTokens = k, AdaptiveDraftTokens = false });

        // The fake's sessions assert that nothing is appended beyond the capacity the generator asked for.
        GenerationResult result = await generator.GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 100, StopAtContextLimit = true }, TestContext.Current.CancellationToken);

        Assert.Equal(Reference(model, Prompt, Context - Prompt.Length), result.Ids);
        Assert.Equal(StopReason.ContextLimit, result.Stats.StopReason);
        Assert.Equal(Context, Prompt.Length + result.Stats.GeneratedTokens);
    }

    [Theory]
    [InlineData(35)]
    [InlineData(10)]
    public async Task StopAtContextLimit_WhenMaxNewTokensFits_StopsWithMaxNewTokens(int maxNewTokens)
    {
        GenerationResult result = await new SpeculativeGenerator(Model())
            .GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = maxNewTokens, StopAtContextLimit = true }, TestContext.Current.CancellationToken);

        Assert.Equal(maxNewTokens, result.Ids.Length);
        Assert.Equal(StopReason.MaxNewTokens, result.Stats.StopReason);
    }

    [Fact]
    public void RequestBeyondTheContext_WithoutStopAtContextLimit_IsRefused_NamingWhatTheCallerSet()
    {
        var generator = new SpeculativeGenerator(Model());

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 100 }));

        Assert.Contains("The prompt (5 tokens) plus MaxNewTokens (100) is 105 tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(40 tokens)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at most 35", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StopAtContextLimit", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultMaxNewTokensBeyondTheContext_IsRefused_SayingItIsTheDefault()
    {
        FunctionModel model = new(Vocabulary, _ => 1, contextLength: 100);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SpeculativeGenerator(model).GenerateAsync(Prompt));

        Assert.Contains($"MaxNewTokens ({GenerationOptions.DefaultMaxNewTokens}, the default)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PromptThatFillsTheContext_IsRefused_EvenWithStopAtContextLimit(bool stopAtContextLimit)
    {
        int[] prompt = [.. Enumerable.Repeat(1, Context)];

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SpeculativeGenerator(Model())
            .GenerateAsync(prompt, new GenerationOptions { MaxNewTokens = 1, StopAtContextLimit = stopAtContextLimit }));

        Assert.Contains("The prompt is 40 tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no room", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at most 39", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("MaxNewTokens", ex.Message, StringComparison.Ordinal);
    }
}
