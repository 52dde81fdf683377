namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>What happens to the text a <c>Split</c> pattern matches (Hugging Face's <c>SplitDelimiterBehavior</c>).</summary>
/// <remarks>
/// Splitting "the-final--countdown" on "-": Removed gives the, final, countdown; Isolated gives the, -, final,
/// -, -, countdown; MergedWithPrevious gives the-, final-, -, countdown; MergedWithNext gives the, -final, -,
/// -countdown; Contiguous gives the, -, final, --, countdown.
/// </remarks>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}
