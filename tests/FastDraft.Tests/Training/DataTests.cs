using FastDraft.ModelWriter;
using FastDraft.Text;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class DataTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fastdraft-data-" + Guid.NewGuid().ToString("N"));

    public DataTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void FromFolder_RecursiveWithPattern_TokenizesMatchingFilesWithSeparators()
    {
        string corpus = Path.Combine(_folder, "corpus");
        Directory.CreateDirectory(Path.Combine(corpus, "pkg"));
        File.WriteAllText(Path.Combine(corpus, "b.py"), "def f(): return 1\n");
        File.WriteAllText(Path.Combine(corpus, "pkg", "a.py"), "import os\n");
        File.WriteAllText(Path.Combine(corpus, "notes.txt"), "not code");
        WrittenTokenizer written = TokenizerWriter.WriteByteLevel(Path.Combine(_folder, "tok"), 300, ["def", "return", "import"], ["<|endoftext|>"]);
        ModelTokenizer tokenizer = ModelTokenizer.Load(Path.Combine(_folder, "tok"));
        int separator = written.SpecialTokenIds[0];

        TokenCorpus result = TokenCorpus.FromFolder(corpus, "*.py", tokenizer, separator);

        Assert.Equal(["b.py", "pkg/a.py"], result.FileNames);
        int[] expected = [.. tokenizer.Encode("def f(): return 1\n", false), separator, .. tokenizer.Encode("import os\n", false), separator];
        Assert.Equal(expected, Enumerable.Range(0, result.TokenCount).Select(i => result[i]));
        Assert.True(result.IsCompact);
    }

    [Fact]
    public void FromFileList_SkipsBlanksAndComments_ResolvesRelativeToList()
    {
        File.WriteAllText(Path.Combine(_folder, "one.txt"), "ab");
        File.WriteAllText(Path.Combine(_folder, "two.txt"), "c");
        string list = Path.Combine(_folder, "files.txt");
        File.WriteAllLines(list, ["# corpus", "two.txt", "", "one.txt"]);

        TokenCorpus result = TokenCorpus.FromFileList(list, new CharTokenizer(), separatorId: 0);

        Assert.Equal(["one.txt", "two.txt"], result.FileNames);
        Assert.Equal(new[] { 'a', 'b', 0, 'c', 0 }, Enumerable.Range(0, result.TokenCount).Select(i => result[i]));
    }

    [Fact]
    public void FromFolder_NoMatchingFile_Throws()
    {
        Assert.Throws<InvalidDataException>(() => TokenCorpus.FromFolder(_folder, "*.py", new CharTokenizer(), 0));
    }

    [Fact]
    public void Corpus_IdsAbove16Bits_StoredWide()
    {
        TokenCorpus corpus = TokenCorpus.FromTexts([("a", "xyz")], new CharTokenizer(offset: 70_000), separatorId: 0);

        Assert.False(corpus.IsCompact);
        Assert.Equal(70_000 + 'y', corpus[1]);
    }

    [Fact]
    public void SplitByFile_SameSeed_IsDeterministicDisjointAndComplete()
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus(files: 20);

        (TokenCorpus train, TokenCorpus heldOut) = corpus.SplitByFile(0.2, seed: 42);
        (TokenCorpus train2, TokenCorpus heldOut2) = corpus.SplitByFile(0.2, seed: 42);
        (_, TokenCorpus otherHeldOut) = corpus.SplitByFile(0.2, seed: 43);

        Assert.Equal(4, heldOut.FileCount);
        Assert.Equal(heldOut.FileNames, heldOut2.FileNames);
        Assert.Equal(train.FileNames, train2.FileNames);
        Assert.NotEqual(heldOut.FileNames, otherHeldOut.FileNames);
        Assert.Empty(train.FileNames.Intersect(heldOut.FileNames));
        Assert.Equal(corpus.FileNames.Order(), train.FileNames.Concat(heldOut.FileNames).Order());
        Assert.Equal(corpus.TokenCount, train.TokenCount + heldOut.TokenCount);
        Assert.Equal(corpus.FileNames.Where(train.FileNames.Contains), train.FileNames); // original order kept
    }

    [Theory]
    [InlineData(WindowOrder.Random)]
    [InlineData(WindowOrder.Shuffled)]
    [InlineData(WindowOrder.Sequential)]
    public void CorpusSource_Rows_AreCorpusWindowsWithTargetsShiftedByOne(WindowOrder order)
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();
        int[] stream = [.. Enumerable.Range(0, corpus.TokenCount).Select(i => corpus[i])];
        var source = new CorpusBatchSource(corpus, 16, order, seed: 9);
        var batch = new TrainingBatch(8, 16, softTopK: 2);
        batch.SoftProbabilities.AsSpan().Fill(0.5f);

        source.Fill(batch);

        for (int row = 0; row < 8; row++)
        {
            long[] input = batch.InputIds[(row * 16)..((row + 1) * 16)];
            long[] target = batch.TargetIds[(row * 16)..((row + 1) * 16)];
            int start = IndexOf(stream, input);
            Assert.True(start >= 0);
            Assert.Equal(stream[(start + 1)..(start + 17)].Select(t => (long)t), target);
        }

        Assert.All(batch.LossMask, m => Assert.Equal(1f, m));
        Assert.All(batch.SoftProbabilities, p => Assert.Equal(0f, p));
    }

    [Fact]
    public void ShuffledSource_OneEpoch_VisitsEveryWindowOnce()
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus(files: 3);
        int windows = (corpus.TokenCount - 1) / 10;
        var source = new CorpusBatchSource(corpus, 10, WindowOrder.Shuffled, seed: 4);
        var sequential = new CorpusBatchSource(corpus, 10, WindowOrder.Sequential, seed: 4);
        var batch = new TrainingBatch(windows, 10);
        var inOrder = new TrainingBatch(windows, 10);

        source.Fill(batch);
        sequential.Fill(inOrder);

        string[] Rows(TrainingBatch b) => [.. Enumerable.Range(0, windows).Select(r => string.Join(',', b.InputIds[(r * 10)..((r + 1) * 10)]))];
        Assert.NotEqual(Rows(inOrder), Rows(batch));
        Assert.Equal(Rows(inOrder).Order(), Rows(batch).Order());
        Assert.Equal(0, source.Epoch);
        source.FillRow(batch, 0);
        Assert.Equal(1, source.Epoch);
    }

    [Fact]
    public void MixedSource_DrawsRowsInSetProportions_PassingMasksThrough()
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();
        var mixture = new MixedBatchSource(
            [(new CorpusBatchSource(corpus, 8, WindowOrder.Random, 1), 3.0), (new MaskedRowSource(8, 4, 2), 1.0)],
            seed: 11);
        var batch = new TrainingBatch(4000, 8, softTopK: 1);

        mixture.Fill(batch);

        Assert.Equal(4000, mixture.RowsDrawn(0) + mixture.RowsDrawn(1));
        Assert.InRange(mixture.RowsDrawn(1), 900, 1100);
        int generatedRows = Enumerable.Range(0, 4000).Count(r => batch.SoftProbabilities[r * 8] == 1f);
        Assert.Equal(mixture.RowsDrawn(1), generatedRows);
        Assert.Contains(0f, batch.LossMask);
    }

    [Fact]
    public void Sources_RestoredState_ContinueIdentically()
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();
        IBatchSource Build() => new MixedBatchSource(
            [
                (new CorpusBatchSource(corpus, 8, WindowOrder.Random, 1), 1.0),
                (new CorpusBatchSource(corpus, 8, WindowOrder.Shuffled, 2), 1.0),
                (new MaskedRowSource(8, 2, 3), 1.0),
            ],
            seed: 5);
        IBatchSource original = Build();
        var batch = new TrainingBatch(37, 8);
        original.Fill(batch); // long enough for the shuffled source to start a second epoch
        original.Fill(batch);
        byte[] state = original.SaveState();
        original.Fill(batch);
        long[] expected = [.. batch.InputIds];
        float[] expectedMask = [.. batch.LossMask];

        IBatchSource restored = Build();
        restored.RestoreState(state);
        restored.Fill(batch);

        Assert.Equal(expected, batch.InputIds);
        Assert.Equal(expectedMask, batch.LossMask);
    }

    [Fact]
    public void CorpusSource_ForeignState_Throws()
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus();
        byte[] state = new CorpusBatchSource(corpus, 8, WindowOrder.Random, 1).SaveState();

        Assert.Throws<InvalidDataException>(() => new CorpusBatchSource(corpus, 8, WindowOrder.Shuffled, 1).RestoreState(state));
    }

    [Fact]
    public void EvaluationSet_UniformModel_MeasuresLog2OfVocabulary()
    {
        TokenCorpus corpus = TrainingFixtures.PhraseCorpus(files: 2);
        EvaluationSet set = EvaluationSet.FromCorpus(corpus, 8, maxSequences: 5);
        using var model = new BigramGradientSource(TrainingFixtures.PhraseVocabulary);
        var parameters = new float[model.Layout.TotalCount];
        model.Bind(parameters, new float[parameters.Length]);

        double bits = set.BitsPerToken(model, new TrainingBatch(3, 8));

        Assert.Equal(5, set.SequenceCount);
        Assert.Equal(Math.Log2(TrainingFixtures.PhraseVocabulary), bits, 9);
    }

    private static int IndexOf(int[] stream, long[] window)
    {
        for (int start = 0; start + window.Length <= stream.Length; start++)
        {
            if (window.Select((t, i) => stream[start + i] == t).All(x => x))
            {
                return start;
            }
        }

        return -1;
    }
}
