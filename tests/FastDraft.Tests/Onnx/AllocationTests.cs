using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Onnx;

public sealed class AllocationTests
{
    public static TheoryData<string, string> Setups => new()
    {
        { "writer-gqa", "none" },
        { "writer-standard", "none" },
        { "writer-gqa", "perturbed" },
        { "writer-standard", "self" },
        { "writer-gqa", "ngram" },
        { SharedModels.Gpt2Legacy, "none" },
        { SharedModels.LlamaGqa, SharedModels.LlamaMhaFp16 },
    };

    [Theory]
    [MemberData(nameof(Setups))]
    public void SteadyStateDecoding_AllocatesNoManagedMemoryPerToken(string targetFlavour, string draftKind)
    {
        OnnxCausalLM target = LoadedModels.Get(KvCacheTests.FolderOf(targetFlavour));
        IDraftModel? draft = draftKind switch
        {
            "none" => null,
            "self" => target,
            "ngram" => new NGramDraftModel(),
            "perturbed" => LoadedModels.Get(TestModels.Perturbed("gqa-perturbed", TestModels.GqaTarget, 0.1f)),
            _ => LoadedModels.Get(SharedModels.Path(draftKind)),
        };
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4 });
        int[] prompt = [1, 5, 9, 13, 17, 21];

        long Run(int tokens, out int count) =>
            LoadedModels.DrainCountingAllocations(generator.GenerateAsync(prompt, new GenerationOptions { MaxNewTokens = tokens, IgnoreEndOfSequence = true }), out count);

        // Warm up both lengths (JIT, pooled arrays of each size, lazily grown buffers).
        Run(100, out _);
        Run(400, out _);
        long shortRun = Run(100, out int shortCount);
        long longRun = Run(400, out int longCount);

        Assert.Equal((100, 400), (shortCount, longCount));
        TestContext.Current.TestOutputHelper?.WriteLine($"{targetFlavour} + {draftKind}: {shortRun} B for 100 tokens, {longRun} B for 400 tokens");
        long perGeneration = shortRun;
        long extraFor300Tokens = longRun - shortRun;
        Assert.True(
            extraFor300Tokens <= 256,
            $"300 more tokens allocated {extraFor300Tokens} more bytes ({extraFor300Tokens / 300.0:F1} B/token); one generation's fixed cost is {perGeneration} bytes.");
        Assert.True(perGeneration < 64 * 1024, $"one generation's fixed allocation is {perGeneration} bytes");
    }
}
