namespace FastDraft.Training;

/// <summary>How far tokenizing a corpus has got, in bytes of its files (the cost follows them, not the file count).</summary>
internal readonly record struct TokenizingProgress(long BytesDone, long BytesTotal, int FilesDone, int FilesTotal, int FromCache, TimeSpan Elapsed);
