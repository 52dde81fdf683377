namespace FastDraft.Training;

/// <summary>What record <c>index</c> of an alignment-data file is made from: its prompt, and how the target continues it. Depends on the index and the options only.</summary>
/// <param name="Prompt">The prompt, a window of the training corpus.</param>
/// <param name="Kind">Greedy or sampled.</param>
/// <param name="Request">The generation options of the continuation (its temperature and sampling seed).</param>
internal sealed record AlignmentRecordPlan(int[] Prompt, ContinuationKind Kind, GenerationOptions Request)
{
    /// <summary>Plans record <paramref name="index"/>.</summary>
    public static AlignmentRecordPlan Of(ModelInfo target, TokenCorpus trainingTokens, AlignmentDataOptions options, int index)
    {
        int promptLength = options.PromptLengthOf(target, index);
        int[] prompt = new int[promptLength];
        int start = (int)(SplitMix64.Mix(options.Seed, (ulong)index) % (ulong)(trainingTokens.TokenCount - promptLength));
        trainingTokens.CopyTo(start, prompt);
        bool greedy = Math.Floor((index + 1) * options.GreedyShare) > Math.Floor(index * options.GreedyShare);
        var request = new GenerationOptions
        {
            MaxNewTokens = options.ContinuationLength,
            IgnoreEndOfSequence = true,
            Temperature = greedy ? 0 : options.Temperature,
            Seed = (long)(SplitMix64.Mix(options.Seed ^ 0x5EED, (ulong)index) >> 1),
        };
        return new AlignmentRecordPlan(prompt, greedy ? ContinuationKind.Greedy : ContinuationKind.Sampled, request);
    }
}
