using System.Collections.Concurrent;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

/// <summary>
/// Loading a corpus: one clear exception for a bad list, files that are not text left out and reported, ids cached
/// per file in the work folder (and not served once a file or the tokenizer changes), progress in bytes.
/// </summary>
public sealed class CorpusLoadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fastdraft-corpus-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string List(params string[] lines)
    {
        string path = Path.Combine(_folder, "files.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    private string Work() => Directory.CreateDirectory(Path.Combine(_folder, "work")).FullName;

    /// <summary>The stream <see cref="CharTokenizer"/> makes of these files: each one's characters, then separator 0.</summary>
    private static int[] Ids(params string[] texts) => [.. texts.SelectMany(t => t.Select(c => (int)c).Append(0))];

    private static int[] Stream(TokenCorpus corpus) => [.. Enumerable.Range(0, corpus.TokenCount).Select(i => corpus[i])];

    [Fact]
    public void FromFileList_MissingFile_ThrowsOneFileNotFoundNamingTheFileAndLine()
    {
        Write("a.txt", "aa");
        string list = List("# corpus", "a.txt", "gone.txt", "also-gone.txt");

        FileNotFoundException exception = Assert.Throws<FileNotFoundException>(() => TokenCorpus.FromFileList(list, new CharTokenizer(), 0));

        Assert.Contains("line 3 names 'gone.txt'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("1 more listed paths are missing", exception.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_folder, "gone.txt"), exception.FileName);
    }

    [Fact]
    public void FromFileList_NoLineIsAFile_AsksWhetherItIsAList()
    {
        // A source file given where a list was expected: every line is a "path" that does not exist.
        string list = Write("train.py", "import os\n\ndef main():\n    pass\n");

        FileNotFoundException exception = Assert.Throws<FileNotFoundException>(() => TokenCorpus.FromFileList(list, new CharTokenizer(), 0));

        Assert.Contains("line 1 names 'import os'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("is '" + list + "' a list of files", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFileList_BinaryFileAsTheList_ThrowsInvalidDataNamingIt()
    {
        string list = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(list, [0x08, 0x07, 0x12, 0x00, 0xFF, 0x3A]);

        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => TokenCorpus.FromFileList(list, new CharTokenizer(), 0));

        Assert.Contains(list, exception.Message, StringComparison.Ordinal);
        Assert.Contains("not a text list of files", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFolder_BinaryAndNonUtf8Files_AreLeftOutAndListed()
    {
        Write("good.py", "ok");
        File.WriteAllBytes(Path.Combine(_folder, "compiled.py"), [0x61, 0x00, 0x62]);
        File.WriteAllBytes(Path.Combine(_folder, "latin1.py"), [0x63, 0xE9, 0x64]); // "cèd" in Latin-1: not UTF-8

        TokenCorpus corpus = TokenCorpus.FromFolder(_folder, "*.py", new CharTokenizer(), 0);

        Assert.Equal(["good.py"], corpus.FileNames);
        Assert.Equal(["compiled.py", "latin1.py"], corpus.SkippedFiles);
        Assert.Equal(new[] { 'o', 'k', 0 }, Stream(corpus));
    }

    [Fact]
    public void FromFolder_NoFileIsText_ThrowsInvalidData()
    {
        File.WriteAllBytes(Path.Combine(_folder, "a.py"), [0x00, 0x01]);

        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => TokenCorpus.FromFolder(_folder, "*.py", new CharTokenizer(), 0));

        Assert.Contains("No file of", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'a.py'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFileList_TokenizerThrows_SurfacesItsExceptionNotAnAggregate()
    {
        Write("a.txt", "fine");
        Write("b.txt", "boom");
        string list = List("a.txt", "b.txt");

        InvalidOperationException exception = Assert.Throws<InvalidOperationException>(() => TokenCorpus.FromFileList(list, new ThrowingTokenizer("boom"), 0));

        Assert.Equal("cannot encode 'boom'", exception.Message);
    }

    [Fact]
    public void Load_SecondRun_ReadsEveryFileFromTheCacheWithTheSameTokens()
    {
        string list = List(Write("a.txt", "alpha"), Write("b.txt", "beta"), Write("c.txt", "gamma"));
        string work = Work();
        var tokenizer = new CountingTokenizer();

        CorpusLoad first = CorpusSplit.Load(list, "*", tokenizer, 0, 0, 1, work, null, TestContext.Current.CancellationToken);
        tokenizer.Texts.Clear();
        CorpusLoad second = CorpusSplit.Load(list, "*", tokenizer, 0, 0, 1, work, null, TestContext.Current.CancellationToken);

        Assert.Equal((0, 3), (first.FromCache, second.FromCache));
        Assert.DoesNotContain(tokenizer.Texts, t => t is "alpha" or "beta" or "gamma");
        Assert.Equal(Stream(first.Train), Stream(second.Train));
        Assert.Equal(5 + 4 + 5, second.Bytes);
    }

    [Fact]
    public void Load_FileEditedOrTokenizerChanged_TokenizesAgain()
    {
        string a = Write("a.txt", "alpha");
        string list = List(a, Write("b.txt", "beta"));
        string work = Work();
        CorpusSplit.Load(list, "*", new CharTokenizer(), 0, 0, 1, work, null, TestContext.Current.CancellationToken);

        File.WriteAllText(a, "alphabet"); // a different size, so a different key whatever the clock's resolution
        CorpusLoad edited = CorpusSplit.Load(list, "*", new CharTokenizer(), 0, 0, 1, work, null, TestContext.Current.CancellationToken);
        CorpusLoad otherTokenizer = CorpusSplit.Load(list, "*", new CharTokenizer(offset: 1), 0, 0, 1, work, null, TestContext.Current.CancellationToken);

        Assert.Equal(1, edited.FromCache);
        Assert.Equal(Ids("alphabet", "beta"), Stream(edited.Train));
        Assert.Equal(0, otherTokenizer.FromCache);
        Assert.Equal('a' + 1, otherTokenizer.Train[0]);
    }

    [Fact]
    public void Load_DamagedCacheEntry_IsAMissNotAnError()
    {
        string list = List(Write("a.txt", "alpha"));
        string work = Work();
        CorpusSplit.Load(list, "*", new CharTokenizer(), 0, 0, 1, work, null, TestContext.Current.CancellationToken);
        string entry = Assert.Single(Directory.GetFiles(Path.Combine(work, CorpusSplit.CacheFolder)));
        byte[] bytes = File.ReadAllBytes(entry);
        bytes[^6] ^= 0x40;
        File.WriteAllBytes(entry, bytes);

        CorpusLoad load = CorpusSplit.Load(list, "*", new CharTokenizer(), 0, 0, 1, work, null, TestContext.Current.CancellationToken);

        Assert.Equal(0, load.FromCache);
        Assert.Equal(Ids("alpha"), Stream(load.Train));
    }

    [Fact]
    public void Load_ReportsBytesDoneAndWarnsOfSkippedFiles()
    {
        string list = List(Write("a.txt", "alpha"), Write("b.txt", "beta"));
        File.WriteAllBytes(Path.Combine(_folder, "c.bin"), [1, 0, 2]);
        File.AppendAllLines(list, ["c.bin"]);
        string work = Work();
        var reports = new List<RecipeProgress>();

        CorpusLoad load = CorpusSplit.Load(list, "*", new CharTokenizer(), 0, 0, 1, work, new InlineProgress<RecipeProgress>(reports.Add), TestContext.Current.CancellationToken);

        RecipeProgress done = reports.Last(r => r.Message.StartsWith("tokenizing", StringComparison.Ordinal));
        Assert.Equal(1.0, done.Fraction);
        Assert.Contains("(3 of 3 files)", done.Message, StringComparison.Ordinal);
        Assert.Contains(reports, r => r.Message.StartsWith("warning: left out 1 of 3 files", StringComparison.Ordinal) && r.Message.Contains("c.bin", StringComparison.Ordinal));
        Assert.Equal("c.bin", Assert.Single(load.Skipped).Name);
        Assert.StartsWith("c.bin\ta NUL byte", File.ReadAllText(Path.Combine(work, CorpusSplit.SkippedList)), StringComparison.Ordinal);
        Assert.Equal(["a.txt", "b.txt"], load.Train.FileNames.Select(Path.GetFileName));
    }

    [Fact]
    public void Load_Cancelled_ThrowsOperationCanceled()
    {
        string list = List(Write("a.txt", "alpha"));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => CorpusSplit.Load(list, "*", new CharTokenizer(), 0, 0, 1, Work(), null, cancelled.Token));
    }

    [Fact]
    public void Describe_HalfTheBytesInTwoSeconds_ReportsHalfAndTheTimeLeftAtThatRate()
    {
        RecipeProgress progress = CorpusSplit.Describe("corpus", new TokenizingProgress(1_000_000, 2_000_000, 3, 10, 1, TimeSpan.FromSeconds(2)));

        Assert.Equal(0.5, progress.Fraction);
        Assert.Equal(TimeSpan.FromSeconds(2), progress.Remaining);
        Assert.Equal("tokenizing corpus: 1.0 of 2.0 MB (3 of 10 files, 1 from cache), 488 KB/s", progress.Message);
    }

    /// <summary>Records every text it encodes (from any thread).</summary>
    private sealed class CountingTokenizer : ITextTokenizer
    {
        private readonly CharTokenizer _inner = new();

        public ConcurrentBag<string> Texts { get; } = [];

        public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true)
        {
            Texts.Add(text);
            return _inner.Encode(text, addSpecialTokens);
        }

        public string Decode(ReadOnlySpan<int> ids) => _inner.Decode(ids);

        public IStreamingDecoder CreateStreamingDecoder() => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
    }

    private sealed class ThrowingTokenizer(string poison) : ITextTokenizer
    {
        public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) =>
            text == poison ? throw new InvalidOperationException($"cannot encode '{poison}'") : [.. text.Select(c => (int)c)];

        public string Decode(ReadOnlySpan<int> ids) => throw new NotSupportedException();

        public IStreamingDecoder CreateStreamingDecoder() => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
    }
}
