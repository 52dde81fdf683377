using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime;

/// <summary>Turns <see cref="OnnxModelOptions"/> into ONNX Runtime session options.</summary>
internal static class ExecutionProviders
{
    public static SessionOptions CreateSessionOptions(OnnxModelOptions options, int? configuredThreads, string modelFile)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

        try
        {
            if ((options.IntraOpThreads ?? configuredThreads) is int threads)
            {
                sessionOptions.IntraOpNumThreads = threads;
            }

            switch (options.ExecutionProvider)
            {
                case ExecutionProvider.Cuda:
                    Append(() => sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId), "CUDA", "Microsoft.ML.OnnxRuntime.Gpu", modelFile);
                    break;
                case ExecutionProvider.DirectML:
                    // DirectML needs sequential execution and no memory pattern.
                    sessionOptions.EnableMemoryPattern = false;
                    sessionOptions.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
                    Append(() => sessionOptions.AppendExecutionProvider_DML(options.DeviceId), "DirectML", "Microsoft.ML.OnnxRuntime.DirectML (Windows only)", modelFile);
                    break;
            }

            options.ConfigureSessionOptions?.Invoke(sessionOptions);
            return sessionOptions;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    private static void Append(Action append, string provider, string package, string modelFile)
    {
        try
        {
            append();
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or NotSupportedException)
        {
            throw new ModelNotSupportedException(
                $"The {provider} execution provider requested for '{modelFile}' is not available in this ONNX Runtime build ({ex.Message.Split('\n')[0].Trim()}). " +
                $"Reference {package} instead of Microsoft.ML.OnnxRuntime, or choose ExecutionProvider.Cpu.",
                ex);
        }
    }
}
