namespace FastDraft.Training;

/// <summary>A corpus file left out because it is not text, and why.</summary>
/// <param name="Name">The file's name in the corpus.</param>
/// <param name="Reason">Why: a NUL byte (binary) or bytes that are not UTF-8.</param>
internal readonly record struct SkippedFile(string Name, string Reason);
