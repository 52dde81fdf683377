namespace FastDraft.Training;

/// <summary>One file of a corpus: its name in the corpus, where it is, and the list line that named it (0 for a folder).</summary>
internal readonly record struct CorpusFile(string Name, string Path, int ListLine)
{
    /// <summary>The file as a message names it: its path, and the list line when a list named it.</summary>
    public string Describe(string? listFile) => ListLine > 0 ? $"'{Path}' (line {ListLine} of '{listFile}')" : $"'{Path}'";
}
