namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>How spaces become the SentencePiece marker ▁ (the Metaspace pre-tokenizer).</summary>
internal sealed record Metaspace(string Replacement, string PrependScheme, bool Split);
