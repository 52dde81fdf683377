namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>A run of text between added tokens, or one added token.</summary>
internal readonly record struct Segment(int Start, int Length, int AddedTokenId)
{
    public bool IsAddedToken => AddedTokenId >= 0;
}
