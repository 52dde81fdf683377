using Microsoft.ML.OnnxRuntime;

namespace FastDraft.OnnxRuntime.Internals;

/// <summary>Turns <see cref="OnnxModelOptions"/> into ONNX Runtime session options: threading, execution provider, overrides.</summary>
internal static class SessionOptionsFactory
{
    /// <summary>Creates the inference session, on the shared thread pool when the options ask for it and the process allows it.</summary>
    /// <param name="options">The load options.</param>
    /// <param name="configuredThreads">The configuration's <c>intra_op_num_threads</c>, if it has one.</param>
    /// <param name="modelFile">The ONNX file.</param>
    /// <param name="weightBytes">The model's weights in bytes, for the automatic choice (<see cref="IntraOpThreadRule"/>).</param>
    /// <returns>The session, the intra-op threads its operators run on, and what set their count.</returns>
    public static (InferenceSession Session, int Threads, IntraOpThreadsSource Source) CreateSession(OnnxModelOptions options, int? configuredThreads, string modelFile, long weightBytes)
    {
        // Set explicitly: ONNX Runtime's own default ("one per physical core") came to one thread on a 2-core
        // virtual machine, so both the library and the tool ran on half the machine; and chosen per model, since a
        // small draft on every core ran slower than on one.
        (int threads, IntraOpThreadsSource source) = options.IntraOpThreads is int set ? (set, IntraOpThreadsSource.Options)
            : configuredThreads is int configured ? (configured, IntraOpThreadsSource.Configuration)
            : (IntraOpThreadRule.Choose(weightBytes, OnnxModelOptions.DefaultIntraOpThreads), IntraOpThreadsSource.Automatic);

        // A model chosen one thread runs on the caller's thread in a session of its own: a pool of one has nothing to
        // share, and the shared pool stays free to be sized by a model that needs more.
        bool joinPool = options.Threading == OnnxThreading.SharedPool && !(source == IntraOpThreadsSource.Automatic && threads == 1);

        // Before anything else: creating session options creates the ONNX Runtime environment. This is also the first
        // call into the native library, so an application that left it out learns here which package to add.
        int? poolThreads;
        try
        {
            poolThreads = joinPool ? SharedThreadPool.TryUse(threads) : null;
        }
        catch (Exception ex) when (IsNativeLibraryMissing(ex))
        {
            throw NativeLibraryMissing(ex, modelFile);
        }

        try
        {
            using SessionOptions sessionOptions = Create(options, threads, poolThreads is not null, modelFile);
            return (new InferenceSession(modelFile, sessionOptions), poolThreads ?? threads, source);
        }
        catch (Exception ex) when (IsNativeLibraryMissing(ex))
        {
            throw NativeLibraryMissing(ex, modelFile);
        }
        catch (OnnxRuntimeException ex) when (poolThreads is not null && ex.Message.Contains("EnvCreatedWithGlobalThreadPools", StringComparison.Ordinal))
        {
            // Native code in the process (ONNX Runtime GenAI, say) created the environment before us,
            // without global pools, where the managed API cannot see it: fall back to pools per model.
            SharedThreadPool.Disable();
            using SessionOptions sessionOptions = Create(options, threads, sharedPool: false, modelFile);
            return (new InferenceSession(modelFile, sessionOptions), threads, source);
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says that ONNX Runtime's native library could not be loaded: the managed
    /// package (<c>Microsoft.ML.OnnxRuntime.Managed</c>) is present, the native one is not (excluded, or a platform it
    /// does not carry). The managed API reports it as a <see cref="TypeInitializationException"/> around a
    /// <see cref="DllNotFoundException"/>, on the first call and on every later one.
    /// </summary>
    internal static bool IsNativeLibraryMissing(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is DllNotFoundException)
            {
                return true;
            }

            if (e is not TypeInitializationException)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>The error that names the packages carrying ONNX Runtime's native library.</summary>
    internal static DllNotFoundException NativeLibraryMissing(Exception exception, string modelFile)
    {
        Exception root = exception;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }

        return new DllNotFoundException(
            $"ONNX Runtime's native library (onnxruntime) could not be loaded to run '{modelFile}': the application has the managed " +
            "API (Microsoft.ML.OnnxRuntime.Managed) but no native build for this platform. Add a package reference to one: " +
            "Microsoft.ML.OnnxRuntime (CPU; FastDraft.OnnxRuntime brings it unless the application excludes its assets) or, for CUDA, " +
            $"Microsoft.ML.OnnxRuntime.Gpu.Linux / Microsoft.ML.OnnxRuntime.Gpu.Windows. ({FirstLine(root.Message)})",
            exception);
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

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

            if (options.ExactInt4)
            {
                // One numerical path for every pass length (see OnnxModelOptions.ExactInt4).
                sessionOptions.AddSessionConfigEntry("mlas.qnbit.force_fp32", "1");
            }

            AppendExecutionProvider(sessionOptions, options.ExecutionProvider, options.DeviceId, modelFile);
            options.ConfigureSessionOptions?.Invoke(sessionOptions);
            return sessionOptions;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends <paramref name="provider"/> to <paramref name="sessionOptions"/>: the one place that maps a provider to
    /// ONNX Runtime's session options, used by inference sessions and by training graphs alike. Nothing for the CPU.
    /// </summary>
    /// <exception cref="ModelNotSupportedException">This ONNX Runtime build lacks the provider; the message names the package that has it.</exception>
    internal static void AppendExecutionProvider(SessionOptions sessionOptions, ExecutionProvider provider, int deviceId, string modelFile)
    {
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                AppendProvider(() => sessionOptions.AppendExecutionProvider_CUDA(deviceId), "CUDA", "Microsoft.ML.OnnxRuntime.Gpu.Linux or Microsoft.ML.OnnxRuntime.Gpu.Windows (both: Microsoft.ML.OnnxRuntime.Gpu)", modelFile);
                break;
            case ExecutionProvider.DirectML:
                // DirectML needs sequential execution and no memory pattern.
                sessionOptions.EnableMemoryPattern = false;
                sessionOptions.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
                AppendProvider(() => sessionOptions.AppendExecutionProvider_DML(deviceId), "DirectML", "Microsoft.ML.OnnxRuntime.DirectML (Windows only; in sustained engineering, and no longer served for this ONNX Runtime version by every feed)", modelFile);
                break;
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
                $"The {provider} execution provider requested for '{modelFile}' is not available in this ONNX Runtime build ({FirstLine(ex.Message)}). " +
                $"Reference {package} instead of the CPU build (a direct reference to Microsoft.ML.OnnxRuntime with ExcludeAssets=\"all\" drops the one FastDraft.OnnxRuntime brings), or choose ExecutionProvider.Cpu.",
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
