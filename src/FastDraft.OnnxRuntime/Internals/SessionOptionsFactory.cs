using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Internals;

/// <summary>Turns <see cref="OnnxModelOptions"/> into ONNX Runtime session options: threading, execution provider, overrides.</summary>
internal static class SessionOptionsFactory
{
    /// <summary>Creates the inference session, on the shared thread pool when the options ask for it and the process allows it.</summary>
    /// <returns>The session and the intra-op threads its operators run on.</returns>
    public static (InferenceSession Session, int Threads) CreateSession(OnnxModelOptions options, int? configuredThreads, string modelFile)
    {
        // Set explicitly: ONNX Runtime's own default ("one per physical core") came to one thread on a 2-core
        // virtual machine, so both the library and the tool ran on half the machine.
        int threads = options.IntraOpThreads ?? configuredThreads ?? OnnxModelOptions.DefaultIntraOpThreads;

        // Before anything else: creating session options creates the ONNX Runtime environment.
        int? poolThreads = options.Threading == OnnxThreading.SharedPool ? SharedThreadPool.TryUse(threads) : null;
        try
        {
            using SessionOptions sessionOptions = Create(options, threads, poolThreads is not null, modelFile);
            return (new InferenceSession(modelFile, sessionOptions), poolThreads ?? threads);
        }
        catch (OnnxRuntimeException ex) when (poolThreads is not null && ex.Message.Contains("EnvCreatedWithGlobalThreadPools", StringComparison.Ordinal))
        {
            // Native code in the process (ONNX Runtime GenAI, say) created the environment before us,
            // without global pools, where the managed API cannot see it: fall back to pools per model.
            SharedThreadPool.Disable();
            using SessionOptions sessionOptions = Create(options, threads, sharedPool: false, modelFile);
            return (new InferenceSession(modelFile, sessionOptions), threads);
        }
    }

    private static SessionOptions Create(OnnxModelOptions options, int threads, bool sharedPool, string modelFile)
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
            else
            {
                sessionOptions.IntraOpNumThreads = threads;
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
    /// pool each the idle session's threads keep spinning and take cores from the busy one (the README's
    /// Performance section has what it cost); one shared pool never competes.
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
        private static int s_threads;
        private static bool s_disabled;

        /// <summary>Joins (or creates) the shared pool.</summary>
        /// <returns>The pool's size, or <see langword="null"/> when there is no shared pool to join.</returns>
        public static int? TryUse(int threads)
        {
            lock (Gate)
            {
                if (s_disabled)
                {
                    return null;
                }

                if (s_threading is not null)
                {
                    return s_threads;
                }

                if (OrtEnv.IsCreated)
                {
                    return null;
                }

                var threading = new OrtThreadingOptions
                {
                    GlobalIntraOpNumThreads = threads,
                    GlobalSpinControl = true,
                };
                var environment = new EnvironmentCreationOptions { threadOptions = threading };
                OrtEnv.CreateInstanceWithOptions(ref environment);
                s_threading = threading; // kept alive with the environment
                s_threads = threads;
                return threads;
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
