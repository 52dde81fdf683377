namespace FastDraft.OnnxRuntime.Internals;

/// <summary>
/// How many intra-op threads a model gets when nothing sets a count: one per <see cref="BytesPerThread"/> of weights, at
/// least one, at most the processors available. A one-token step streams every weight once, so its work grows with the
/// weights' bytes, while a thread pool's cost (waking its threads and waiting for the last at every operator) is the same
/// for any size: a small draft's step takes a tenth of a millisecond, a second thread gains it nothing, and a draft and
/// its target on pools of every core fight over them. The draft and the target are decided
/// separately, each by its own weights.
/// </summary>
/// <remarks>
/// Measured on a 2-core virtual machine (README, "Threads"): ONNX Runtime GenAI's target-only decoding at one thread
/// against two ran 855 against 1,036 tokens/s on the codepair-dev target (17.5 MB of weights) and 50 against 77 on the
/// runner's 124M one (499 MB), while the one-token step of the demo's and codepair-dev's drafts (1.6 MB, 1.7 MB) took no
/// less on two threads than on one (0.066 against 0.067 ms, 0.110 against 0.112 ms at best); the demo target (17.3 MB)
/// gets two. Where between 1.7 and 17 MB the share lies is a choice; the runner's rows at one and two threads check it.
/// </remarks>
internal static class IntraOpThreadRule
{
    /// <summary>The weights' bytes each intra-op thread is given: 6 MiB.</summary>
    public const long BytesPerThread = 6L << 20;

    /// <summary>The threads for a model of <paramref name="weightBytes"/> bytes of weights (negative: unknown, every processor) on <paramref name="processors"/> processors.</summary>
    public static int Choose(long weightBytes, int processors) =>
        weightBytes < 0 ? Math.Max(1, processors) : (int)Math.Clamp(weightBytes / BytesPerThread, 1, Math.Max(1, processors));
}
