using FastDraft.OnnxRuntime;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.Training.Graph;

/// <summary>How an <see cref="OnnxGradientSource"/> builds and runs its training graph.</summary>
internal sealed record OnnxGradientSourceOptions
{
    /// <summary>Gets the graph's shape and loss (float32 only here).</summary>
    public TrainingGraphOptions Graph { get; init; } = new();

    /// <summary>Gets the weight of the KL term when the graph has soft targets; default 1.</summary>
    public float KlWeight { get; init; } = 1f;

    /// <summary>Gets ONNX Runtime's intra-op threads; null for <see cref="FastDraft.OnnxRuntime.OnnxModelOptions.DefaultIntraOpThreads"/> (every available processor).</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>
    /// Gets the execution provider the graph runs on; default CPU. The parameter, gradient and batch buffers stay in host
    /// memory (the optimizer runs there): on another provider ONNX Runtime copies them to and from the device every run.
    /// </summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Gets the device index for CUDA or DirectML; default 0.</summary>
    public int DeviceId { get; init; }

    /// <summary>Gets the graph optimization level; default all.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Gets the folder the graph is written to; null for a temporary folder deleted on dispose.</summary>
    public string? Directory { get; init; }

    /// <summary>Gets a hook that may change the session options last (for experiments); null for none.</summary>
    public Action<SessionOptions>? ConfigureSession { get; init; }
}
