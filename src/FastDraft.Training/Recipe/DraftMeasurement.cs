namespace FastDraft.Training;

/// <summary>What a draft achieved, measured teacher-forced along the target's greedy continuations of held-out prompts.</summary>
/// <param name="Name">The draft: <c>pretrained</c>, <c>aligned</c> or <c>control</c>.</param>
/// <param name="Alpha">α (teacher-forced: matches ÷ judged positions, not the acceptance rate) and the simulated tokens per target pass.</param>
/// <param name="HeldOutBitsPerToken">Held-out cross-entropy in bits per token.</param>
/// <param name="Folder">Where the draft was exported.</param>
public sealed record DraftMeasurement(string Name, AlphaReport Alpha, double HeldOutBitsPerToken, string Folder);
