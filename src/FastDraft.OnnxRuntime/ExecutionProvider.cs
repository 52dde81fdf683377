namespace FastDraft.OnnxRuntime;

/// <summary>The ONNX Runtime execution provider a model runs on.</summary>
public enum ExecutionProvider
{
    /// <summary>The CPU provider, in every ONNX Runtime package.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA; needs the <c>Microsoft.ML.OnnxRuntime.Gpu</c> package and a CUDA device.</summary>
    Cuda,

    /// <summary>DirectML on Windows; needs the <c>Microsoft.ML.OnnxRuntime.DirectML</c> package.</summary>
    DirectML,
}
