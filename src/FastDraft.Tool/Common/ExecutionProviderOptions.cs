using System.CommandLine;
using FastDraft.OnnxRuntime;

namespace FastDraft.Tool;

/// <summary>
/// <c>--execution-provider</c> and <c>--device-id</c>, on every command that loads a model or trains one. The tool
/// package carries ONNX Runtime's CPU build: <c>cuda</c> and <c>dml</c> need the matching ONNX Runtime native files
/// (they are built and passed to ONNX Runtime, untested here for want of a GPU).
/// </summary>
internal sealed class ExecutionProviderOptions
{
    private readonly Option<string> _provider = new("--execution-provider")
    {
        Description = "The ONNX Runtime execution provider the models and training graphs run on: cpu, cuda (needs ONNX Runtime's CUDA build) or dml (DirectML, Windows).",
        HelpName = "cpu|cuda|dml",
        DefaultValueFactory = _ => "cpu",
    };

    private readonly Option<int> _deviceId = new("--device-id") { Description = "The device index for cuda or dml.", HelpName = "N" };

    private readonly Option<bool> _fastInt4 = new("--fast-int4")
    {
        Description = "Let ONNX Runtime compute one-token passes of int4 (accuracy level 4) models with int8 activations, as it does by default: faster, but passes of several tokens are computed in float32, so speculative output may differ from target-only output where the top two tokens nearly tie.",
    };

    public ExecutionProviderOptions() => _provider.AcceptOnlyFromAmong("cpu", "cuda", "dml");

    /// <summary>Adds the options to <paramref name="command"/>; <c>--fast-int4</c> only where the command runs a model for inference that could be int4.</summary>
    public void AddTo(Command command, bool hidden = false, bool withFastInt4 = true)
    {
        _provider.Hidden = _deviceId.Hidden = _fastInt4.Hidden = hidden;
        command.Options.Add(_provider);
        command.Options.Add(_deviceId);
        if (withFastInt4)
        {
            command.Options.Add(_fastInt4);
        }
    }

    /// <summary>Reads the options into model options (every model the command loads gets the same).</summary>
    public OnnxModelOptions Read(ParseResult parsed)
    {
        (ExecutionProvider provider, int deviceId) = ReadProvider(parsed);
        return OnnxModelOptions.Default with { ExecutionProvider = provider, DeviceId = deviceId, ExactInt4 = !parsed.GetValue(_fastInt4) };
    }

    /// <summary>Reads the provider and device, for training graphs as for models.</summary>
    public (ExecutionProvider Provider, int DeviceId) ReadProvider(ParseResult parsed) =>
        (parsed.GetValue(_provider) switch
        {
            "cuda" => ExecutionProvider.Cuda,
            "dml" => ExecutionProvider.DirectML,
            _ => ExecutionProvider.Cpu,
        },
        ToolArguments.InRange(parsed.GetValue(_deviceId), 0, 1024, "--device-id"));
}
