namespace FastDraft.Training;

/// <summary>Loads a corpus (a folder or a list of files), splits it by file and records the split in a work folder.</summary>
internal static class CorpusSplit
{
    public static (TokenCorpus Train, TokenCorpus HeldOut) Load(string corpus, string includePattern, ITextTokenizer tokenizer, int separator, double heldOutFraction, ulong seed, string work, IProgress<RecipeProgress>? progress)
    {
        progress?.Report(new RecipeProgress("corpus", $"tokenizing {corpus}", 0, TimeSpan.Zero));
        TokenCorpus all = Directory.Exists(corpus)
            ? TokenCorpus.FromFolder(corpus, includePattern, tokenizer, separator)
            : TokenCorpus.FromFileList(corpus, tokenizer, separator);
        (TokenCorpus train, TokenCorpus heldOut) = all.SplitByFile(heldOutFraction, seed);
        File.WriteAllLines(Path.Combine(work, "train-files.txt"), train.FileNames);
        File.WriteAllLines(Path.Combine(work, "heldout-files.txt"), heldOut.FileNames);
        return (train, heldOut);
    }
}
