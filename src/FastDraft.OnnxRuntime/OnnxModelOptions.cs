using FastDraft.OnnxRuntime.Internals.Config;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime;

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
    /// Gets the most intra-op threads a model gets when neither the options nor the configuration set a count: the
    /// processors available to this process (<see cref="Environment.ProcessorCount"/>, which follows the affinity mask and a
    /// container's CPU limit). Set explicitly because ONNX Runtime's own default counted one core on some virtual machines.
    /// Each model's count is chosen from its size up to this (<see cref="FastDraft.OnnxRuntime.IntraOpThreadsSource.Automatic"/>).
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
    /// Gets the number of intra-op threads, which always wins; <see langword="null"/> for the configuration's value
    /// (<c>decoder.session_options.intra_op_num_threads</c>) or else a count chosen for the model at load from its size: one
    /// thread per 6 MiB of weights, at least one, at most <see cref="DefaultIntraOpThreads"/>, for a draft and its target
    /// separately (a small draft's step is slower on a pool than on one thread). The model's
    /// <see cref="OnnxCausalLM.IntraOpThreads"/> and <see cref="OnnxCausalLM.IntraOpThreadsSource"/> say what it got and why.
    /// With <see cref="OnnxThreading.SharedPool"/> it sizes the pool only if this model is the one that creates it.
    /// At most four per logical core (at least 16, at most 256), here and in the configuration: ONNX Runtime creates
    /// every thread at load, so a value such as 100000 would make loading appear to hang.
    /// </summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>
    /// Gets whether 4-bit weights (<c>MatMulNBits</c>) are computed the same way for every pass length; default
    /// <see langword="true"/>. At <c>accuracy_level</c> 4 (ONNX Runtime GenAI's CPU int4 exports) ONNX Runtime quantizes
    /// the activations of a one-token pass to int8 but computes passes of several tokens in float32, so a verification pass
    /// and the one-token passes of target-only decoding give different logits (up to about 0.02 on the 124M int4 benchmark
    /// target) and speculative output can differ from target-only output where the top two tokens nearly tie. When set,
    /// every pass uses float32 (ONNX Runtime's <c>mlas.qnbit.force_fp32</c> session entry), which keeps speculative decoding
    /// exact at the cost of the int8 one-token path's speed (the README's int4 section has the figures). Models without
    /// such nodes are unaffected. Only the target's setting matters for exactness: a draft may turn it off.
    /// </summary>
    public bool ExactInt4 { get; init; } = true;

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

        if (IntraOpThreads is < 1 || IntraOpThreads > ModelFolderConfig.MaxIntraOpThreads)
        {
            throw new ArgumentOutOfRangeException(paramName, IntraOpThreads, $"IntraOpThreads must be between 1 and {ModelFolderConfig.MaxIntraOpThreads} (four per logical core, at least 16, at most 256), not {IntraOpThreads}.");
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
