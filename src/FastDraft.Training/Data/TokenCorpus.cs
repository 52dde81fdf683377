using System.Numerics;

namespace FastDraft.Training;

/// <summary>
/// A tokenized corpus held in memory as one compact token stream (16-bit ids when every id fits, else 32-bit):
/// each file's tokens followed by a separator id, files in ordinal order of their paths relative to the root.
/// </summary>
/// <remarks>
/// Immutable after loading and safe to share between threads and batch sources. A 50 MB source corpus is
/// about 15 million tokens: 30 MB as 16-bit ids.
/// </remarks>
public sealed class TokenCorpus
{
    private readonly ushort[]? _narrow;
    private readonly int[]? _wide;
    private readonly int[] _fileStarts;

    private TokenCorpus(ushort[]? narrow, int[]? wide, int[] fileStarts, string[] fileNames)
    {
        _narrow = narrow;
        _wide = wide;
        _fileStarts = fileStarts;
        FileNames = fileNames;
    }

    /// <summary>Gets the total number of tokens, separators included.</summary>
    public int TokenCount => _narrow?.Length ?? _wide!.Length;

    /// <summary>Gets the number of files.</summary>
    public int FileCount => FileNames.Count;

    /// <summary>Gets the files' paths relative to the corpus root (or as listed), in stream order.</summary>
    public IReadOnlyList<string> FileNames { get; }

    /// <summary>
    /// Gets the files left out because they are not UTF-8 text (a NUL byte, or bytes that are not UTF-8), which would
    /// otherwise be trained on as replacement characters; empty for a corpus split from another.
    /// </summary>
    public IReadOnlyList<string> SkippedFiles { get; private set; } = [];

    /// <summary>Gets a value indicating whether the ids are stored in 16 bits.</summary>
    internal bool IsCompact => _narrow is not null;

    /// <summary>Gets the token at a position in the stream.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The token id.</returns>
    public int this[int index] => _narrow is not null ? _narrow[index] : _wide![index];

    /// <summary>Tokenizes the files under a folder (recursively) whose names match a pattern.</summary>
    /// <param name="folder">The corpus root.</param>
    /// <param name="includePattern">A file-name pattern such as <c>*.py</c>.</param>
    /// <param name="tokenizer">The model's tokenizer (text is encoded without special tokens).</param>
    /// <param name="separatorId">The id appended after each file (typically end-of-text).</param>
    /// <returns>The corpus; files that are not UTF-8 text are left out and listed in <see cref="SkippedFiles"/>.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No file matches, or none is UTF-8 text.</exception>
    /// <remarks>Files are read and tokenized in parallel, one per logical core at most.</remarks>
    public static TokenCorpus FromFolder(string folder, string includePattern, ITextTokenizer tokenizer, int separatorId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(includePattern);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegative(separatorId);
        CorpusFile[] files = CorpusFiles.InFolder(folder, includePattern);
        return FromTokenized(CorpusTokenizer.Tokenize(files, null, tokenizer, null, null, CancellationToken.None), separatorId, $"'{folder}'");
    }

    /// <summary>Tokenizes the files named in a list file (one path per line; blank lines and lines starting with <c>#</c> are skipped; relative paths are relative to the list's folder).</summary>
    /// <param name="listFile">The list file.</param>
    /// <param name="tokenizer">The model's tokenizer (text is encoded without special tokens).</param>
    /// <param name="separatorId">The id appended after each file (typically end-of-text).</param>
    /// <returns>The corpus, files in ordinal order of their paths as listed; files that are not UTF-8 text are left out and listed in <see cref="SkippedFiles"/>.</returns>
    /// <exception cref="FileNotFoundException">The list does not exist, or a line names a path that is not a file (the message names the first such line).</exception>
    /// <exception cref="InvalidDataException">The list is not a text file (a binary file given as the list), names no file, or names no UTF-8 text file.</exception>
    /// <remarks>Files are read and tokenized in parallel, one per logical core at most.</remarks>
    public static TokenCorpus FromFileList(string listFile, ITextTokenizer tokenizer, int separatorId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(listFile);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegative(separatorId);
        CorpusFile[] files = CorpusFiles.InList(listFile);
        return FromTokenized(CorpusTokenizer.Tokenize(files, listFile, tokenizer, null, null, CancellationToken.None), separatorId, $"list '{listFile}'");
    }

    /// <summary>
    /// Splits the corpus by file into training and held-out parts. The files are shuffled with a SplitMix64
    /// stream of <paramref name="seed"/> (Fisher–Yates over their stream order); the first
    /// <c>max(1, round(fraction · files))</c> go to the held-out part, the rest (in their original order) to
    /// training. The same files and seed always give the same split. A fraction of 0 holds nothing out.
    /// </summary>
    /// <param name="heldOutFraction">The share of files held out, in [0, 1).</param>
    /// <param name="seed">The split's seed.</param>
    /// <returns>The training and held-out corpora.</returns>
    /// <exception cref="InvalidOperationException">The corpus has a single file and a fraction above 0 was asked for.</exception>
    public (TokenCorpus Train, TokenCorpus HeldOut) SplitByFile(double heldOutFraction, ulong seed)
    {
        if (!(heldOutFraction >= 0 && heldOutFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "The held-out fraction must be in [0, 1).");
        }

        int heldCount = heldOutFraction == 0 ? 0 : Math.Max(1, (int)Math.Round(heldOutFraction * FileCount));
        if (heldCount >= FileCount)
        {
            throw new InvalidOperationException($"Holding out {heldCount} of {FileCount} files would leave none to train on.");
        }

        int[] order = [.. Enumerable.Range(0, FileCount)];
        new SplitMix64(seed, "corpus-split").Shuffle(order);
        var held = new bool[FileCount];
        foreach (int file in order.AsSpan(0, heldCount))
        {
            held[file] = true;
        }

        return (Subset(file => !held[file]), Subset(file => held[file]));
    }

    /// <summary>Builds a corpus from named texts already in memory (tests, generated text).</summary>
    internal static TokenCorpus FromTexts(IReadOnlyList<(string Name, string Text)> files, ITextTokenizer tokenizer, int separatorId) =>
        FromTokenized(new TokenizedFiles([.. files.Select(f => f.Name)], [.. files.Select(f => tokenizer.Encode(f.Text, addSpecialTokens: false).ToArray())], [], 0, 0, TimeSpan.Zero), separatorId, "the texts");

    /// <summary>Builds a corpus from tokenized files, keeping the list of those left out.</summary>
    /// <exception cref="InvalidDataException">Every file was left out, or the stream would not fit in one array.</exception>
    internal static TokenCorpus FromTokenized(TokenizedFiles files, int separatorId, string source)
    {
        if (files.Names.Length == 0)
        {
            throw new InvalidDataException($"No file of {source} is UTF-8 text ({files.Skipped.Count} left out; the first, '{files.Skipped[0].Name}': {files.Skipped[0].Reason}).");
        }

        long total = files.Tokens.Sum(t => (long)t.Length + 1);
        if (total > Array.MaxLength)
        {
            throw new InvalidDataException($"The corpus has {total} tokens; at most {Array.MaxLength} fit in memory as one stream.");
        }

        int max = separatorId;
        foreach (int[] file in files.Tokens)
        {
            max = Math.Max(max, file.Length == 0 ? 0 : file.Max());
        }

        TokenCorpus corpus = Pack(files.Tokens, files.Names, max <= ushort.MaxValue, separatorId);
        corpus.SkippedFiles = [.. files.Skipped.Select(f => f.Name)];
        return corpus;
    }

    /// <summary>Copies <paramref name="destination"/>.Length tokens starting at <paramref name="start"/>.</summary>
    /// <param name="start">The first position in the stream.</param>
    /// <param name="destination">Receives the ids.</param>
    public void CopyTo(int start, Span<int> destination) => CopyTokens(start, destination);

    /// <summary>Copies <paramref name="destination"/>.Length tokens starting at <paramref name="start"/> (the training graph's int64 ids).</summary>
    internal void CopyTo(int start, Span<long> destination) => CopyTokens(start, destination);

    private void CopyTokens<T>(int start, Span<T> destination)
        where T : struct, INumberBase<T>
    {
        if (_narrow is not null)
        {
            ReadOnlySpan<ushort> source = _narrow.AsSpan(start, destination.Length);
            for (int i = 0; i < source.Length; i++)
            {
                destination[i] = T.CreateTruncating(source[i]);
            }
        }
        else
        {
            ReadOnlySpan<int> source = _wide.AsSpan(start, destination.Length);
            for (int i = 0; i < source.Length; i++)
            {
                destination[i] = T.CreateTruncating(source[i]);
            }
        }
    }

    /// <summary>Builds a corpus from files already tokenized (for example by another tokenizer pipeline).</summary>
    /// <param name="files">Each file's name and token ids.</param>
    /// <param name="separatorId">The id appended after each file.</param>
    /// <returns>The corpus.</returns>
    public static TokenCorpus FromTokenizedFiles(IReadOnlyList<(string Name, int[] Tokens)> files, int separatorId)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfNegative(separatorId);
        int max = separatorId;
        foreach ((_, int[] tokens) in files)
        {
            foreach (int id in tokens)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(id, nameof(files));
                max = Math.Max(max, id);
            }
        }

        return Pack([.. files.Select(f => f.Tokens)], [.. files.Select(f => f.Name)], max <= ushort.MaxValue, separatorId);
    }

    private static TokenCorpus Pack(IReadOnlyList<int[]> files, string[] names, bool compact, int separatorId = -1)
    {
        // files already end without the separator when it is given; with separatorId = -1 they carry it.
        int total = files.Sum(f => f.Length + (separatorId >= 0 ? 1 : 0));
        var narrow = compact ? new ushort[total] : null;
        var wide = compact ? null : new int[total];
        var starts = new int[files.Count + 1];
        int position = 0;
        for (int f = 0; f < files.Count; f++)
        {
            starts[f] = position;
            foreach (int id in files[f])
            {
                Store(id);
            }

            if (separatorId >= 0)
            {
                Store(separatorId);
            }
        }

        starts[files.Count] = position;
        return new TokenCorpus(narrow, wide, starts, names);

        void Store(int id)
        {
            if (narrow is not null)
            {
                narrow[position++] = (ushort)id;
            }
            else
            {
                wide![position++] = id;
            }
        }
    }

    private TokenCorpus Subset(Func<int, bool> keep)
    {
        var files = new List<int[]>();
        var names = new List<string>();
        for (int f = 0; f < FileCount; f++)
        {
            if (keep(f))
            {
                int[] file = new int[_fileStarts[f + 1] - _fileStarts[f]];
                for (int i = 0; i < file.Length; i++)
                {
                    file[i] = this[_fileStarts[f] + i];
                }

                files.Add(file);
                names.Add(FileNames[f]);
            }
        }

        return Pack(files, [.. names], IsCompact);
    }
}
