using FastDraft.OnnxRuntime;

namespace FastDraft.Training;

/// <summary>What every training stage of a run shares, the execution provider of its training graphs included.</summary>
internal sealed record StageSettings(int BatchSize, int SequenceLength, ulong Seed, int? Threads, float KlWeight, int EvaluationInterval = 0)
{
    /// <summary>Gets the provider the training graphs run on; default CPU.</summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Gets the device index for CUDA or DirectML.</summary>
    public int DeviceId { get; init; }
}
