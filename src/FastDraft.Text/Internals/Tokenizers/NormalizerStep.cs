namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>A normalization step FastDraft applies to each text segment before the BPE model.</summary>
internal enum NormalizerStep
{
    Prepend,
    Replace,
    Nfc,
    Nfkc,
    Lowercase,
}
