using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Demo;

/// <summary>The committed demo pair (trained by the project's pipeline) works in both runtimes.</summary>
public sealed class DemoPairTests
{
    private static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    [Theory]
    [InlineData("target")]
    [InlineData("draft")]
    public async Task DemoModel_LoadsInOnnxRuntimeGenAI_AndDecodesAsWeDo(string name)
    {
        using var model = OnnxCausalLM.Load(Folder(name));
        int[] prompt = [.. "def read(path):\n    with open("u8.ToArray().Select(b => (int)b)];

        GenerationResult ours = await new SpeculativeGenerator(model).GenerateToListAsync(prompt, new GenerationOptions { MaxNewTokens = 48, IgnoreEndOfSequence = true });

        Assert.Equal(ours.Ids, GenAIOracle.Greedy(Folder(name), prompt, 48));
    }

    [Fact]
    public async Task DemoDraft_LeavesTheTargetsGreedyOutputUnchanged_AndIsMostlyAccepted()
    {
        using var target = OnnxCausalLM.Load(Folder("target"));
        using var draft = OnnxCausalLM.Load(Folder("draft"));
        int[] prompt = [.. "class Stack:\n    def __init__(self):\n        self.items = []\n"u8.ToArray().Select(b => (int)b)];
        var options = new GenerationOptions { MaxNewTokens = 96, IgnoreEndOfSequence = true };

        GenerationResult plain = await new SpeculativeGenerator(target).GenerateToListAsync(prompt, options);
        GenerationResult fast = await new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false }).GenerateToListAsync(prompt, options);

        Assert.Equal(plain.Ids, fast.Ids);
        Assert.True(fast.Stats.AcceptanceRate > 0.5, $"acceptance {fast.Stats.AcceptanceRate:F2}");
    }
}
