namespace FastDraft.Training;

/// <summary>The target's own greedy continuation of one held-out prompt: the path a draft is measured along.</summary>
/// <param name="Prompt">The prompt's tokens.</param>
/// <param name="Continuation">The target's greedy continuation.</param>
public sealed record ReferenceContinuation(int[] Prompt, int[] Continuation);
