using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class AlignmentDataTests
{
    private static (TokenCorpus Corpus, int[] Tokens) Corpus(int length, int vocabulary, int seed)
    {
        var random = new Random(seed);
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++)
        {
            tokens[i] = random.Next(vocabulary);
        }

        TokenCorpus corpus = TokenCorpus.FromTokenizedFiles([("random.txt", tokens)], 0);
        return (corpus, [.. tokens, 0]);
    }

    [Fact]
    public async Task Generate_GreedyRecords_EqualTheGeneratorsTargetOnlyOutput()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        (TokenCorpus corpus, int[] stream) = Corpus(2_000, target.Info.VocabularySize, 3);
        string path = Path.Combine(TestModels.Scratch("align"), "data.fdad");
        var options = new AlignmentDataOptions { Sequences = 4, PromptLength = 12, ContinuationLength = 10, GreedyShare = 0.5, TopK = 3, Seed = 9 };

        int count = await AlignmentDataGenerator.GenerateAsync(target, corpus, path, options);

        Assert.Equal(4, count);
        (int vocabulary, int topK, List<AlignmentSequence> sequences) = AlignmentDataFile.ReadAll(path);
        Assert.Equal(target.Info.VocabularySize, vocabulary);
        Assert.Equal(3, topK);
        Assert.Equal(2, sequences.Count(s => s.Kind == ContinuationKind.Greedy));
        var generator = new SpeculativeGenerator(target);
        foreach (AlignmentSequence sequence in sequences)
        {
            int[] prompt = sequence.Tokens[..sequence.PromptLength];
            Assert.True(stream.AsSpan().IndexOf(prompt) >= 0, "every prompt is a window of the training corpus");
            Assert.Equal(10, sequence.ContinuationLength);
            Assert.Equal(30, sequence.TopIds.Length);
            if (sequence.Kind == ContinuationKind.Greedy)
            {
                GenerationResult reference = await generator.GenerateToListAsync(prompt, new GenerationOptions { MaxNewTokens = 10, IgnoreEndOfSequence = true });
                Assert.Equal(reference.Ids, sequence.Tokens[sequence.PromptLength..]);

                // Under greedy decoding the kept top-1 entry is the token the target chose.
                for (int position = 0; position < 10; position++)
                {
                    Assert.Equal(sequence.Tokens[sequence.PromptLength + position], sequence.TopIds[position * 3]);
                }
            }

            for (int position = 0; position < 10; position++)
            {
                Span<float> row = sequence.TopProbabilities.AsSpan(position * 3, 3);
                Assert.True(row[0] >= row[1] && row[1] >= row[2] && row[2] > 0 && row[0] + row[1] + row[2] <= 1.0001f);
            }
        }
    }

    [Fact]
    public async Task Generate_DefaultPromptLengths_SpreadUpToTheContextMinusTheContinuation()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        (TokenCorpus corpus, int[] stream) = Corpus(3_000, target.Info.VocabularySize, 6);
        string path = Path.Combine(TestModels.Scratch("align-lengths"), "data.fdad");
        var options = new AlignmentDataOptions { Sequences = 8, ContinuationLength = 4, MinimumPromptLength = 4, GreedyShare = 1, Seed = 11 };

        await AlignmentDataGenerator.GenerateAsync(target, corpus, path, options);

        List<AlignmentSequence> sequences = AlignmentDataFile.ReadAll(path).Sequences;
        int longest = target.Info.ContextLength - 4;
        Assert.All(sequences, s => Assert.InRange(s.PromptLength, 4, longest));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => options.PromptLengthOf(target.Info, i)), sequences.Select(s => s.PromptLength));
        Assert.True(sequences.Select(s => s.PromptLength).Distinct().Count() >= 6, "prompt lengths vary");
        Assert.Contains(sequences, s => s.PromptLength > longest / 2);
        var generator = new SpeculativeGenerator(target);
        foreach (AlignmentSequence sequence in sequences)
        {
            int[] prompt = sequence.Tokens[..sequence.PromptLength];
            Assert.True(stream.AsSpan().IndexOf(prompt) >= 0, "every prompt is a window of the training corpus");
            GenerationResult reference = await generator.GenerateToListAsync(prompt, new GenerationOptions { MaxNewTokens = 4, IgnoreEndOfSequence = true });
            Assert.Equal(reference.Ids, sequence.Tokens[sequence.PromptLength..]);
        }
    }

    [Fact]
    public async Task Generate_BudgetSpentBeforeTheFirstRecord_StillWritesOne()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        TokenCorpus corpus = Corpus(1_000, target.Info.VocabularySize, 8).Corpus;
        string path = Path.Combine(TestModels.Scratch("align-budget"), "data.fdad");
        var options = new AlignmentDataOptions { Sequences = 50, PromptLength = 8, ContinuationLength = 4, TimeBudget = TimeSpan.Zero, BatchSize = 3, BatchWorkers = 2 };

        int count = await AlignmentDataGenerator.GenerateAsync(target, corpus, path, options);

        Assert.InRange(count, 1, 2 * 3); // at most the batch each worker had begun
        Assert.Equal(count, AlignmentDataFile.ReadAll(path).Sequences.Count);
    }

    [Fact]
    public async Task Generate_ResumedAfterATornRecord_EqualsAnUninterruptedRun()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        TokenCorpus corpus = Corpus(1_000, target.Info.VocabularySize, 4).Corpus;
        string folder = TestModels.Scratch("align-resume");
        var options = new AlignmentDataOptions { Sequences = 5, PromptLength = 8, ContinuationLength = 6, GreedyShare = 0.4, Temperature = 0.9f, Seed = 2 };
        string whole = Path.Combine(folder, "whole.fdad");
        string resumed = Path.Combine(folder, "resumed.fdad");

        await AlignmentDataGenerator.GenerateAsync(target, corpus, whole, options);
        await AlignmentDataGenerator.GenerateAsync(target, corpus, resumed, options with { Sequences = 3 });
        using (var stream = new FileStream(resumed, FileMode.Append))
        {
            stream.Write([40, 0, 0, 0, 1, 2, 3]); // a record cut off mid-write
        }

        int count = await AlignmentDataGenerator.GenerateAsync(target, corpus, resumed, options);

        Assert.Equal(5, count);
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(resumed));
    }

    [Fact]
    public async Task Generate_OtherTopKThanTheFile_IsRefusedNamingBoth()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        TokenCorpus corpus = Corpus(500, target.Info.VocabularySize, 5).Corpus;
        string path = Path.Combine(TestModels.Scratch("align-mismatch"), "data.fdad");
        var options = new AlignmentDataOptions { Sequences = 1, PromptLength = 8, ContinuationLength = 4 };
        await AlignmentDataGenerator.GenerateAsync(target, corpus, path, options);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => AlignmentDataGenerator.GenerateAsync(target, corpus, path, options with { TopK = 4 }));

        Assert.Contains("top-0", error.Message, StringComparison.Ordinal);
        Assert.Contains("top-4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAll_NotAnAlignmentFile_ThrowsInvalidData()
    {
        string path = Path.Combine(TestModels.Scratch("align-bad"), "x.fdad");
        File.WriteAllText(path, "hello world, not data");

        var error = Assert.Throws<InvalidDataException>(() => AlignmentDataFile.ReadAll(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
