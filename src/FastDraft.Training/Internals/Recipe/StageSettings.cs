namespace FastDraft.Training;

/// <summary>What every training stage of a run shares.</summary>
internal sealed record StageSettings(int BatchSize, int SequenceLength, ulong Seed, int? Threads, float KlWeight, int EvaluationInterval = 0);
