namespace FastDraft.ModelWriter;

/// <summary>The layout of a tokenizer written by <see cref="TokenizerWriter"/>.</summary>
/// <param name="VocabularySize">The number of token ids.</param>
/// <param name="SpecialTokenIds">The ids of the special tokens, in the order given.</param>
/// <param name="FirstWordId">The first id of the word tokens (and the prefixes that build them); ids below are bytes and special tokens.</param>
public sealed record WrittenTokenizer(int VocabularySize, IReadOnlyList<int> SpecialTokenIds, int FirstWordId);
