namespace FastDraft.OnnxRuntime;

/// <summary>The ONNX Runtime execution provider a model runs on.</summary>
public enum ExecutionProvider
{
    /// <summary>The CPU provider, in every ONNX Runtime package.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA; needs ONNX Runtime's CUDA build (<c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c> or <c>.Gpu.Windows</c>) in place of the CPU one, and a CUDA device.</summary>
    Cuda,

    /// <summary>DirectML on Windows; needs ONNX Runtime's DirectML build (<c>Microsoft.ML.OnnxRuntime.DirectML</c>, in sustained engineering) in place of the CPU one.</summary>
    DirectML,
}
