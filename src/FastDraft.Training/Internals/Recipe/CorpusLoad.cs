namespace FastDraft.Training;

/// <summary>What loading a corpus took and found, beside its two parts.</summary>
/// <param name="Train">The training files.</param>
/// <param name="HeldOut">The held-out files.</param>
/// <param name="Elapsed">The wall time of listing, reading and tokenizing (cache hits included): part of a run's budget.</param>
/// <param name="Bytes">The bytes of every listed file.</param>
/// <param name="Files">The files listed.</param>
/// <param name="FromCache">The files whose ids came from the work folder's cache.</param>
/// <param name="Skipped">The files left out because they are not UTF-8 text, with the reason.</param>
internal sealed record CorpusLoad(TokenCorpus Train, TokenCorpus HeldOut, TimeSpan Elapsed, long Bytes, int Files, int FromCache, IReadOnlyList<SkippedFile> Skipped);
