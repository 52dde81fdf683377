using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Demo;

/// <summary>Session reuse on the committed demo pair (trained ONNX models): a reused cache gives the tokens of a fresh prompt pass.</summary>
public sealed class DemoSessionReuseTests
{
    private static readonly string[] Turns = ["def read(path):\n", "    with open(", "class Stack:\n", "    def push(self, item):\n", "def main():\n"];

    private static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    private static int[] Bytes(string text) => [.. System.Text.Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

    [Theory]
    [InlineData(null)]
    [InlineData(3L)]
    public async Task Reuse_FiveTurns_EmitsTheTokensOfAFreshPromptPass(long? seed)
    {
        OnnxCausalLM target = LoadedModels.Get(Folder("target"));
        OnnxCausalLM draft = LoadedModels.Get(Folder("draft"));
        using var pool = new SessionPool();
        var options = new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false };
        var fresh = new SpeculativeGenerator(target, draft, options);
        var pooled = new SpeculativeGenerator(target, draft, options with { SessionPool = pool });
        var generation = new GenerationOptions { MaxNewTokens = 24, IgnoreEndOfSequence = true, Temperature = seed is null ? 0 : 0.8f, Seed = seed };

        int[] prompt = [];
        for (int turn = 0; turn < Turns.Length; turn++)
        {
            prompt = [.. prompt, .. Bytes(Turns[turn])];
            GenerationResult expected = await fresh.GenerateToListAsync(prompt, generation);
            GenerationResult reused = await pooled.GenerateToListAsync(prompt, generation);

            Assert.Equal(expected.Ids, reused.Ids);
            Assert.Equal(turn > 0, reused.Stats.ReusedSession);
            prompt = [.. prompt, .. reused.Ids];
        }

        Assert.Equal(Turns.Length - 1, pool.Hits);
        Assert.True(pool.Bytes > 0, "the ONNX models report their cache bytes");
    }
}
