using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Sampling;

public sealed class DeterminismTests
{
    private static readonly GenerationOptions Sampled = new()
    {
        MaxNewTokens = 48,
        IgnoreEndOfSequence = true,
        Temperature = 0.9f,
        TopK = 40,
        TopP = 0.95f,
        RepetitionPenalty = 1.1f,
    };

    private static SpeculativeGenerator Generator() => new(
        LoadedModels.Get(TestModels.GqaTarget),
        LoadedModels.Get(TestModels.Perturbed("determinism-draft", TestModels.GqaTarget, 0.1f)),
        new SpeculativeOptions { DraftTokens = 4 });

    [Fact]
    public async Task SameSeed_GivesTheSameTokens_OverTenRuns()
    {
        SpeculativeGenerator generator = Generator();
        int[] first = (await generator.GenerateToListAsync(new[] { 1, 5, 9 }, Sampled with { Seed = 42 })).Ids;
        for (int run = 0; run < 9; run++)
        {
            Assert.Equal(first, (await generator.GenerateToListAsync(new[] { 1, 5, 9 }, Sampled with { Seed = 42 })).Ids);
        }
    }

    [Fact]
    public async Task DifferentSeeds_GiveDifferentTokens()
    {
        SpeculativeGenerator generator = Generator();
        var outputs = new HashSet<string>();
        for (long seed = 0; seed < 10; seed++)
        {
            outputs.Add(string.Join(',', (await generator.GenerateToListAsync(new[] { 1, 5, 9 }, Sampled with { Seed = seed })).Ids));
        }

        Assert.True(outputs.Count >= 9, $"only {outputs.Count} distinct outputs from 10 seeds");
    }

    [Fact]
    public async Task SameSeed_GivesTheSameTokens_AloneOrAmongConcurrentGenerations()
    {
        SpeculativeGenerator generator = Generator();
        int[][] alone = new int[8][];
        for (int i = 0; i < 8; i++)
        {
            alone[i] = (await generator.GenerateToListAsync(new[] { 1, 5, 9 }, Sampled with { Seed = 100 + i })).Ids;
        }

        GenerationResult[] together = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => generator.GenerateToListAsync(new[] { 1, 5, 9 }, Sampled with { Seed = 100 + i }))));

        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(alone[i], together[i].Ids);
        }
    }

    [Fact]
    public async Task GreedyWithPenaltiesAndProcessors_SpeculativeEqualsTargetOnly()
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.GqaTarget);
        var options = new GenerationOptions
        {
            MaxNewTokens = 64,
            IgnoreEndOfSequence = true,
            RepetitionPenalty = 1.3f,
            PresencePenalty = 0.2f,
            LogitsProcessors = [new ProcessorTests.ParityProcessor()],
        };

        foreach (int[] prompt in Prompts.For(96, count: 10, seed: 6))
        {
            int[] alone = (await new SpeculativeGenerator(target).GenerateToListAsync(prompt, options)).Ids;
            foreach (IDraftModel draft in new IDraftModel[] { LoadedModels.Get(TestModels.Perturbed("determinism-draft", TestModels.GqaTarget, 0.1f)), new NGramDraftModel() })
            {
                Assert.Equal(alone, (await new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3 }).GenerateToListAsync(prompt, options)).Ids);
            }
        }
    }
}
