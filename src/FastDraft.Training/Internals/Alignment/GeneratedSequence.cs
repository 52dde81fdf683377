namespace FastDraft.Training;

/// <summary>One generated record, held until the records before it are written.</summary>
internal sealed record GeneratedSequence(int[] Tokens, int PromptLength, ContinuationKind Kind, int[] TopIds, float[] TopProbabilities);
