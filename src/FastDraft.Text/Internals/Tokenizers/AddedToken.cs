namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>An added token of <c>tokenizer.json</c>: matched in the text before the model runs, whole.</summary>
internal sealed record AddedToken(int Id, string Content, bool Special);
