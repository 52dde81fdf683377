namespace FastDraft.Internals.Streaming;

/// <summary>A token released by a <see cref="TextStream"/>, with the text released with it.</summary>
internal readonly record struct ReleasedToken(int Id, TokenSource Source, string Text);
