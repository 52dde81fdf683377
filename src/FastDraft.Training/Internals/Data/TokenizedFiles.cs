namespace FastDraft.Training;

/// <summary>The files that were text, with their ids, in the corpus's order, and those left out.</summary>
internal sealed record TokenizedFiles(string[] Names, int[][] Tokens, IReadOnlyList<SkippedFile> Skipped, long Bytes, int FromCache, TimeSpan Elapsed);
