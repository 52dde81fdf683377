using Microsoft.ML.OnnxRuntime;

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

/// <summary>Which threads run a model's operators.</summary>
public enum OnnxThreading
{
    /// <summary>
    /// One intra-op pool for the whole process, shared by every model that asks for it, so a draft and
    /// its target never compete for cores. FastDraft creates it with the ONNX Runtime environment when it
    /// loads the first model; if something else created the environment first (managed code, or native
    /// code such as ONNX Runtime GenAI, noticed when the first session is created), models fall back to
    /// <see cref="PerSession"/>. Its size is the first such model's <see cref="OnnxModelOptions.IntraOpThreads"/>
    /// (default: <see cref="OnnxModelOptions.DefaultIntraOpThreads"/>).
    /// </summary>
    SharedPool,

    /// <summary>A pool per model, of <see cref="OnnxModelOptions.IntraOpThreads"/> threads (<see cref="OnnxModelOptions.DefaultIntraOpThreads"/> when unset).</summary>
    PerSession,
}

/// <summary>How an ONNX model is loaded. Each model has its own, so a draft and its target may use different providers.</summary>
/// <remarks>
/// Of <c>genai_config.json</c>'s <c>decoder.session_options</c>, only <c>intra_op_num_threads</c> is honoured
/// (bounded, and overridden by <see cref="IntraOpThreads"/>); the rest (<c>provider_options</c>, <c>log_id</c>,
/// <c>session.*</c> entries, <c>run_options</c>) is ignored. The code always sets the graph optimisation level
/// (all), the log level (errors), the execution provider (<see cref="ExecutionProvider"/>) and, with
/// <see cref="OnnxThreading.SharedPool"/>, the threading. <see cref="ConfigureSessionOptions"/> runs last and may change any of it.
/// </remarks>
public sealed record OnnxModelOptions
{
    /// <summary>Gets the default options: CPU, a shared pool of <see cref="DefaultIntraOpThreads"/> threads.</summary>
    public static OnnxModelOptions Default { get; } = new();

    /// <summary>
    /// Gets the intra-op threads used when neither the options nor the configuration set a count: the processors
    /// available to this process (<see cref="Environment.ProcessorCount"/>, which follows the affinity mask and a
    /// container's CPU limit). Set explicitly because ONNX Runtime's own default counted one core on some virtual machines.
    /// </summary>
    public static int DefaultIntraOpThreads => Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// Gets the model's name, as <see cref="ModelInfo.Name"/> and so as telemetry's <c>gen_ai.request.model</c> and
    /// <c>gen_ai.response.model</c> report it (and the chat client's model id); <see langword="null"/>, the default, for the
    /// model folder's name. Set it when folder names say little (ONNX Runtime GenAI's exports are often named after their
    /// build, such as <c>cpu-int4-rtn-block-32-acc-level-4</c>).
    /// </summary>
    public string? ModelName { get; init; }

    /// <summary>Gets the execution provider; default <see cref="ExecutionProvider.Cpu"/>. The providers named in <c>genai_config.json</c> are not applied: the provider is chosen here, per model.</summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Gets the device index for CUDA or DirectML; default 0.</summary>
    public int DeviceId { get; init; }

    /// <summary>Gets how the model's operators are threaded; default <see cref="OnnxThreading.SharedPool"/>.</summary>
    public OnnxThreading Threading { get; init; } = OnnxThreading.SharedPool;

    /// <summary>
    /// Gets the number of intra-op threads; <see langword="null"/> for the configuration's value
    /// (<c>decoder.session_options.intra_op_num_threads</c>) or else <see cref="DefaultIntraOpThreads"/>; the model's
    /// <see cref="OnnxCausalLM.IntraOpThreads"/> says what it got.
    /// With <see cref="OnnxThreading.SharedPool"/> it sizes the pool only if this model is the one that creates it.
    /// At most four per logical core (at least 16, at most 256), here and in the configuration: ONNX Runtime creates
    /// every thread at load, so a value such as 100000 would make loading appear to hang.
    /// </summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Gets the most tokens run in one forward pass; longer prompts are run in chunks of this size. Default 128; at least <see cref="SpeculativeOptions.MaxDraftTokens"/> + 1.</summary>
    public int MaxTokensPerPass { get; init; } = 128;

    /// <summary>Gets the context length to assume when the model folder does not state one; default 2048.</summary>
    public int DefaultContextLength { get; init; } = 2048;

    /// <summary>Gets a callback that adjusts the ONNX Runtime session options after FastDraft has set them: the escape hatch for any other setting.</summary>
    public Action<SessionOptions>? ConfigureSessionOptions { get; init; }

    internal void Validate(string paramName)
    {
        if (MaxTokensPerPass <= SpeculativeOptions.MaxDraftTokens)
        {
            throw new ArgumentOutOfRangeException(paramName, MaxTokensPerPass, $"MaxTokensPerPass must be at least {SpeculativeOptions.MaxDraftTokens + 1} so that a verification pass is never split.");
        }

        if (IntraOpThreads is < 1 || IntraOpThreads > Config.ModelFolderConfig.MaxIntraOpThreads)
        {
            throw new ArgumentOutOfRangeException(paramName, IntraOpThreads, $"IntraOpThreads must be between 1 and {Config.ModelFolderConfig.MaxIntraOpThreads} (four per logical core, at least 16, at most 256), not {IntraOpThreads}.");
        }

        if (DeviceId < 0 || DefaultContextLength < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, "DeviceId must be non-negative and DefaultContextLength positive.");
        }

        if (ModelName is not null && string.IsNullOrWhiteSpace(ModelName))
        {
            throw new ArgumentException("ModelName must be null (the folder's name) or a non-blank name.", paramName);
        }

        if (!Enum.IsDefined(ExecutionProvider) || !Enum.IsDefined(Threading))
        {
            throw new ArgumentOutOfRangeException(paramName, ExecutionProvider, "Unknown execution provider.");
        }
    }
}
