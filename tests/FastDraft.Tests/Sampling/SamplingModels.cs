using FastDraft.ModelWriter;

namespace FastDraft.Tests.Sampling;

/// <summary>What the chi-square sampling tests share: their significance level and the shape of their small written targets.</summary>
internal static class SamplingModels
{
    /// <summary>The significance level of every chi-square test: a correct sampler fails one in a thousand seeds.</summary>
    public const double Alpha = 0.001;

    /// <summary>
    /// A two-layer target over 32 ids, small enough that every context's distribution can be computed exactly, with logits
    /// scaled up so that its distributions are far from flat (a flat target would let a wrong sampler pass).
    /// </summary>
    public static DecoderSpec SmallTarget(ulong seed) => new()
    {
        VocabularySize = 32,
        HiddenSize = 64,
        Layers = 2,
        Heads = 4,
        KeyValueHeads = 2,
        IntermediateSize = 96,
        ContextLength = 128,
        Seed = seed,
        LogitScale = 2f,
    };
}
