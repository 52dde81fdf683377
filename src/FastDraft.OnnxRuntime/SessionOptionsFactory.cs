using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime;

/// <summary>Turns <see cref="OnnxModelOptions"/> into ONNX Runtime session options: threading, execution provider, overrides.</summary>
internal static class SessionOptionsFactory
{
    /// <summary>Creates the inference session, on the shared thread pool when the options ask for it and the process allows it.</summary>
    public static InferenceSession CreateSession(OnnxModelOptions options, int? configuredThreads, string modelFile)
    {
        // Before anything else: creating session options creates the ONNX Runtime environment.
        int? threads = options.IntraOpThreads ?? configuredThreads;
        bool sharedPool = options.Threading == OnnxThreading.SharedPool && SharedThreadPool.TryUse(threads);
        try
        {
            using SessionOptions sessionOptions = Create(options, threads, sharedPool, modelFile);
            return new InferenceSession(modelFile, sessionOptions);
        }
        catch (OnnxRuntimeException ex) when (sharedPool && ex.Message.Contains("EnvCreatedWithGlobalThreadPools", StringComparison.Ordinal))
        {
            // Native code in the process (ONNX Runtime GenAI, say) created the environment before us,
            // without global pools, where the managed API cannot see it: fall back to pools per model.
            SharedThreadPool.Disable();
            using SessionOptions sessionOptions = Create(options, threads, sharedPool: false, modelFile);
            return new InferenceSession(modelFile, sessionOptions);
        }
    }

    private static SessionOptions Create(OnnxModelOptions options, int? threads, bool sharedPool, string modelFile)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

        try
        {
            if (sharedPool)
            {
                sessionOptions.DisablePerSessionThreads();
            }
            else if (threads is int count)
            {
                sessionOptions.IntraOpNumThreads = count;
            }

            switch (options.ExecutionProvider)
            {
                case ExecutionProvider.Cuda:
                    AppendProvider(() => sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId), "CUDA", "Microsoft.ML.OnnxRuntime.Gpu", modelFile);
                    break;
                case ExecutionProvider.DirectML:
                    // DirectML needs sequential execution and no memory pattern.
                    sessionOptions.EnableMemoryPattern = false;
                    sessionOptions.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
                    AppendProvider(() => sessionOptions.AppendExecutionProvider_DML(options.DeviceId), "DirectML", "Microsoft.ML.OnnxRuntime.DirectML (Windows only)", modelFile);
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

    private static void AppendProvider(Action append, string provider, string package, string modelFile)
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

    /// <summary>
    /// The process-wide intra-op thread pool that every model loaded with
    /// <see cref="OnnxThreading.SharedPool"/> runs on. A draft and its target alternate, so with one
    /// pool each the idle session's threads keep spinning and take cores from the busy one (on a
    /// 2-core machine this cost a third of the speculative speed-up); one shared pool never competes.
    /// </summary>
    /// <remarks>
    /// A global pool can only be given to the ONNX Runtime environment when it is created, so it
    /// exists only if FastDraft creates the environment, which happens when the first model is loaded
    /// before anything else in the process used ONNX Runtime. Otherwise models get pools of their own
    /// (found out from the first failed session when native code created the environment unseen).
    /// </remarks>
    private static class SharedThreadPool
    {
        private static readonly Lock Gate = new();
        private static OrtThreadingOptions? s_threading;
        private static bool s_disabled;

        public static bool TryUse(int? threads)
        {
            lock (Gate)
            {
                if (s_disabled)
                {
                    return false;
                }

                if (s_threading is not null)
                {
                    return true;
                }

                if (OrtEnv.IsCreated)
                {
                    return false;
                }

                var threading = new OrtThreadingOptions
                {
                    GlobalIntraOpNumThreads = threads ?? 0, // 0: one per physical core
                    GlobalSpinControl = true,
                };
                var environment = new EnvironmentCreationOptions { threadOptions = threading };
                OrtEnv.CreateInstanceWithOptions(ref environment);
                s_threading = threading; // kept alive with the environment
                return true;
            }
        }

        public static void Disable()
        {
            lock (Gate)
            {
                s_disabled = true;
            }
        }
    }
}
