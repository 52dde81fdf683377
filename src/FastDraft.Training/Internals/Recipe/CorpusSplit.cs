using System.Globalization;

namespace FastDraft.Training;

/// <summary>Loads a corpus (a folder or a list of files), splits it by file and records the split in a work folder.</summary>
internal static class CorpusSplit
{
    /// <summary>The work folder's cache of token ids per corpus file (see <see cref="TokenCache"/>).</summary>
    public const string CacheFolder = "token-cache";

    /// <summary>The work folder's list of files left out, one per line: name, tab, reason.</summary>
    public const string SkippedList = "skipped-files.txt";

    public static (TokenCorpus Train, TokenCorpus HeldOut) Load(string corpus, string includePattern, ITextTokenizer tokenizer, int separator, double heldOutFraction, ulong seed, string work, IProgress<RecipeProgress>? progress)
    {
        CorpusLoad load = Load(corpus, includePattern, tokenizer, separator, heldOutFraction, seed, work, progress, CancellationToken.None);
        return (load.Train, load.HeldOut);
    }

    /// <summary>
    /// Tokenizes the corpus (in parallel, ids cached per file in <c>work/token-cache</c>), reporting bytes done as
    /// stage <c>corpus</c>, leaves out files that are not UTF-8 text (reported, and listed in
    /// <c>work/skipped-files.txt</c>), splits by file and writes the split's file lists.
    /// </summary>
    /// <exception cref="FileNotFoundException">The corpus, or a file its list names, does not exist (the first bad list line is named).</exception>
    /// <exception cref="DirectoryNotFoundException">A folder corpus does not exist.</exception>
    /// <exception cref="InvalidDataException">The list is not text, or names no file; no file matches; or no file is UTF-8 text.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the files done so far stay cached).</exception>
    public static CorpusLoad Load(
        string corpus, string includePattern, ITextTokenizer tokenizer, int separator, double heldOutFraction, ulong seed, string work, IProgress<RecipeProgress>? progress, CancellationToken cancellationToken)
    {
        progress?.Report(new RecipeProgress("corpus", $"listing {corpus}", 0, TimeSpan.Zero));
        bool folder = Directory.Exists(corpus);
        CorpusFile[] files = folder ? CorpusFiles.InFolder(corpus, includePattern) : CorpusFiles.InList(corpus);
        var cache = new TokenCache(Path.Combine(work, CacheFolder), tokenizer);
        TokenizedFiles tokenized = CorpusTokenizer.Tokenize(
            files, folder ? null : corpus, tokenizer, cache, progress is null ? null : new InlineProgress<TokenizingProgress>(p => progress.Report(Describe(corpus, p))), cancellationToken);
        TokenCorpus all = TokenCorpus.FromTokenized(tokenized, separator, folder ? $"'{corpus}'" : $"list '{corpus}'");
        File.WriteAllLines(Path.Combine(work, SkippedList), tokenized.Skipped.Select(f => $"{f.Name}\t{f.Reason}"));
        if (tokenized.Skipped.Count > 0)
        {
            string names = string.Join(", ", tokenized.Skipped.Take(3).Select(f => f.Name)) + (tokenized.Skipped.Count > 3 ? ", …" : string.Empty);
            progress?.Report(new RecipeProgress("corpus", $"warning: left out {tokenized.Skipped.Count} of {files.Length} files that are not UTF-8 text ({names}; listed in {Path.Combine(work, SkippedList)})", 1, TimeSpan.Zero));
        }

        (TokenCorpus train, TokenCorpus heldOut) = all.SplitByFile(heldOutFraction, seed);
        File.WriteAllLines(Path.Combine(work, "train-files.txt"), train.FileNames);
        File.WriteAllLines(Path.Combine(work, "heldout-files.txt"), heldOut.FileNames);
        return new CorpusLoad(train, heldOut, tokenized.Elapsed, tokenized.Bytes, files.Length, tokenized.FromCache, tokenized.Skipped);
    }

    /// <summary>"tokenizing DIR: 3.2 of 11.1 MB (212 of 732 files, 40 from cache), 850 KB/s", with the fraction of bytes done and the time left at this rate.</summary>
    internal static RecipeProgress Describe(string corpus, TokenizingProgress p)
    {
        double seconds = p.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? p.BytesDone / seconds : 0;
        double fraction = p.BytesTotal > 0 ? (double)p.BytesDone / p.BytesTotal : 1;
        TimeSpan remaining = rate > 0 ? TimeSpan.FromSeconds((p.BytesTotal - p.BytesDone) / rate) : TimeSpan.Zero;
        string cached = p.FromCache > 0 ? string.Create(CultureInfo.InvariantCulture, $", {p.FromCache} from cache") : string.Empty;
        return new RecipeProgress(
            "corpus",
            string.Create(CultureInfo.InvariantCulture, $"tokenizing {corpus}: {p.BytesDone / 1e6:F1} of {p.BytesTotal / 1e6:F1} MB ({p.FilesDone} of {p.FilesTotal} files{cached}), {rate / 1024:F0} KB/s"),
            fraction,
            remaining);
    }
}
