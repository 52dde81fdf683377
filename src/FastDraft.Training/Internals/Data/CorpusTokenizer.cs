using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace FastDraft.Training;

/// <summary>
/// Reads and tokenizes a corpus's files in parallel (at most one file per logical core; the tokenizer is
/// thread-safe), from and into a <see cref="TokenCache"/> when given one, reporting bytes done.
/// </summary>
internal static class CorpusTokenizer
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    /// <exception cref="FileNotFoundException">A file vanished between the listing and the reading (named, with its list line).</exception>
    /// <exception cref="IOException">A file could not be read (named, with its list line).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static TokenizedFiles Tokenize(
        IReadOnlyList<CorpusFile> files, string? listFile, ITextTokenizer tokenizer, TokenCache? cache, IProgress<TokenizingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long[] sizes = [.. files.Select(f => new FileInfo(f.Path) is { Exists: true } info ? info.Length : 0)];
        long total = sizes.Sum();
        var tokens = new int[files.Count][];
        var reasons = new string?[files.Count];
        var failures = new Exception?[files.Count];
        var gate = new object();
        long done = 0;
        int filesDone = 0;
        int fromCache = 0;
        TimeSpan lastReport = TimeSpan.Zero;

        // Largest files first, handed out one at a time: a large file started last would leave the other cores idle.
        int[] order = [.. Enumerable.Range(0, files.Count).OrderByDescending(i => sizes[i])];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        try
        {
            Parallel.ForEach(Partitioner.Create(order, loadBalance: true), options, i =>
            {
                bool cached = false;
                try
                {
                    tokens[i] = Read(files[i], tokenizer, cache, out cached, out reasons[i]);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    failures[i] = ex;
                    tokens[i] = [];
                }

                lock (gate)
                {
                    done += sizes[i];
                    filesDone++;
                    fromCache += cached ? 1 : 0;
                    if (progress is not null && clock.Elapsed - lastReport >= ReportInterval)
                    {
                        // Reported under the lock, so a progress sink sees one report at a time and in order.
                        lastReport = clock.Elapsed;
                        progress.Report(new TokenizingProgress(done, total, filesDone, files.Count, fromCache, lastReport));
                    }
                }
            });
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            // A failure inside the tokenizer itself: surface it as thrown, not wrapped by the parallel loop.
            ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }

        // The first failure in the corpus's order, so that the same corpus always reports the same file.
        int failed = Array.FindIndex(failures, f => f is not null);
        if (failed >= 0)
        {
            Exception failure = failures[failed]!;
            string file = files[failed].Describe(listFile);
            throw failure switch
            {
                FileNotFoundException or DirectoryNotFoundException => new FileNotFoundException($"Corpus file {file} disappeared while the corpus was read.", files[failed].Path, failure),
                UnauthorizedAccessException => new UnauthorizedAccessException($"Corpus file {file} may not be read: {failure.Message}", failure),
                _ => new IOException($"Corpus file {file} could not be read: {failure.Message}", failure),
            };
        }

        progress?.Report(new TokenizingProgress(total, total, files.Count, files.Count, fromCache, clock.Elapsed));
        int[] kept = [.. Enumerable.Range(0, files.Count).Where(i => reasons[i] is null)];
        return new TokenizedFiles(
            [.. kept.Select(i => files[i].Name)],
            [.. kept.Select(i => tokens[i])],
            [.. Enumerable.Range(0, files.Count).Where(i => reasons[i] is not null).Select(i => new SkippedFile(files[i].Name, reasons[i]!))],
            total,
            fromCache,
            clock.Elapsed);
    }

    private static int[] Read(CorpusFile file, ITextTokenizer tokenizer, TokenCache? cache, out bool cached, out string? skipReason)
    {
        string key = string.Empty;
        int[]? ids = cache?.TryGet(file.Path, out key);
        cached = ids is not null;
        skipReason = null;
        if (ids is not null)
        {
            return ids;
        }

        string? text = CorpusFiles.DecodeText(File.ReadAllBytes(file.Path), out skipReason);
        if (text is null)
        {
            return [];
        }

        ids = [.. tokenizer.Encode(text, addSpecialTokens: false)];
        cache?.Set(key, ids);
        return ids;
    }
}
