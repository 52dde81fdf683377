using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

/// <summary>Alignment data generated in batches (one forward pass per step for several sequences) against one sequence at a time.</summary>
public sealed class BatchedAlignmentTests
{
    public static TheoryData<string> Targets => ["demo", "writer-gqa", "writer-standard", "writer-fp16", SharedModels.LlamaGqa, SharedModels.LlamaMhaFp16, SharedModels.Gpt2Legacy];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Generate_Batched_EqualsOneAtATimeTokenByToken(string name)
    {
        using var target = OnnxCausalLM.Load(Folder(name));
        Assert.Null(target.BatchUnsupportedReason);
        TokenCorpus corpus = Corpus(3_000, Math.Min(target.Info.VocabularySize, 1000), 17);
        string folder = TestModels.Scratch("batched-" + name);

        // Prompts of 3 to 40 tokens, so that the rows of a batch differ in length; 7 records make a full batch of 4 and one of 3.
        // One at a time keeps the top-k distribution from a teacher-forced pass, which an export that cannot score several
        // tokens after a cache (llama-mha-fp16) cannot run: there only the tokens are compared.
        int topK = target.Info.SupportsVerification ? 4 : 0;
        var options = new AlignmentDataOptions { Sequences = 7, PromptLength = 40, MinimumPromptLength = 3, ContinuationLength = 12, GreedyShare = 0.5, Temperature = 0.8f, TopK = topK, Seed = 5 };
        string single = Path.Combine(folder, "single.fdad");
        string batched = Path.Combine(folder, "batched.fdad");
        await AlignmentDataGenerator.GenerateAsync(target, corpus, single, options with { BatchSize = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        await AlignmentDataGenerator.GenerateAsync(target, corpus, batched, options with { BatchSize = 4 }, cancellationToken: TestContext.Current.CancellationToken);

        List<AlignmentSequence> expected = AlignmentDataFile.ReadAll(single).Sequences;
        List<AlignmentSequence> actual = AlignmentDataFile.ReadAll(batched).Sequences;
        Assert.Equal(7, actual.Count);
        Assert.True(actual.Select(s => s.PromptLength).Distinct().Count() >= 4, "the rows of a batch differ in length");
        Assert.Contains(actual, s => s.Kind == ContinuationKind.Sampled);
        for (int i = 0; i < expected.Count; i++)
        {
            // Greedy and sampled continuations alike: each row draws from its own seeded stream, as one at a time.
            Assert.Equal(expected[i].Kind, actual[i].Kind);
            Assert.Equal(expected[i].PromptLength, actual[i].PromptLength);
            Assert.Equal(expected[i].Tokens, actual[i].Tokens);
            Assert.Equal(expected[i].TopIds, actual[i].TopIds);
            for (int j = 0; j < expected[i].TopProbabilities.Length; j++)
            {
                Assert.Equal(expected[i].TopProbabilities[j], actual[i].TopProbabilities[j], 2e-3f);
            }
        }
    }

    [Fact]
    public async Task Generate_BatchedAndResumedMidBatch_EqualsAnUninterruptedRun()
    {
        using var target = OnnxCausalLM.Load(TestModels.StandardTarget); // padded rows: the case where batch mates could matter
        TokenCorpus corpus = Corpus(1_500, target.Info.VocabularySize, 23);
        string folder = TestModels.Scratch("batched-resume");
        var options = new AlignmentDataOptions { Sequences = 6, PromptLength = 20, MinimumPromptLength = 2, ContinuationLength = 5, GreedyShare = 0.5, TopK = 2, BatchSize = 4, Seed = 8 };
        string whole = Path.Combine(folder, "whole.fdad");
        string resumed = Path.Combine(folder, "resumed.fdad");
        await AlignmentDataGenerator.GenerateAsync(target, corpus, whole, options, cancellationToken: TestContext.Current.CancellationToken);

        // Stopped after record 5 of 6, in the second batch: the rerun regenerates that batch and appends only record 6.
        byte[] full = File.ReadAllBytes(whole);
        AlignmentSequence last = AlignmentDataFile.ReadAll(whole).Sequences[^1];
        int lastBytes = 4 + 12 + (4 * last.Tokens.Length) + (last.ContinuationLength * options.TopK * 8) + 4; // length, payload, length again
        File.WriteAllBytes(resumed, full[..^lastBytes]);
        Assert.Equal(5, AlignmentDataFile.ReadAll(resumed).Sequences.Count);

        int count = await AlignmentDataGenerator.GenerateAsync(target, corpus, resumed, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(6, count);
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(resumed));
    }

    [Fact]
    public async Task Generate_Cancelled_ThrowsAndLeavesWholeRecords()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        TokenCorpus corpus = Corpus(1_000, target.Info.VocabularySize, 3);
        string path = Path.Combine(TestModels.Scratch("batched-cancel"), "data.fdad");
        using var cancellation = new CancellationTokenSource();
        var options = new AlignmentDataOptions { Sequences = 64, PromptLength = 8, ContinuationLength = 8, BatchSize = 4, BatchWorkers = 1 };
        var progress = new SyncProgress<AlignmentDataProgress>(p =>
        {
            Assert.True(p.SequencesPerSecond > 0);
            Assert.True(p.TokensPerSecond > 0);
            if (p.Sequences >= 4)
            {
                cancellation.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AlignmentDataGenerator.GenerateAsync(target, corpus, path, options, progress, cancellation.Token));

        List<AlignmentSequence> kept = AlignmentDataFile.ReadAll(path).Sequences;
        Assert.InRange(kept.Count, 4, 63);
        Assert.All(kept, s => Assert.Equal(16, s.Tokens.Length));
    }

    private static string Folder(string name) => name switch
    {
        "demo" => Path.Combine(AppContext.BaseDirectory, "models", "target"),
        "writer-gqa" => TestModels.GqaTarget,
        "writer-standard" => TestModels.StandardTarget,
        "writer-fp16" => TestModels.Fp16Target,
        _ => SharedModels.Path(name),
    };

    private static TokenCorpus Corpus(int length, int vocabulary, int seed)
    {
        var random = new Random(seed);
        return TokenCorpus.FromTokenizedFiles([("random.txt", [.. Enumerable.Range(0, length).Select(_ => random.Next(vocabulary))])], 0);
    }
}
