namespace FastDraft.OnnxRuntime;

/// <summary>Which threads run a model's operators.</summary>
public enum OnnxThreading
{
    /// <summary>
    /// One intra-op pool for the whole process, shared by every model that asks for it, so a draft and
    /// its target never compete for cores. FastDraft creates it with the ONNX Runtime environment when it
    /// loads the first model; if something else created the environment first (managed code, or native
    /// code such as ONNX Runtime GenAI, noticed when the first session is created), models fall back to
    /// <see cref="PerSession"/>. Its size is the first such model's <see cref="OnnxModelOptions.IntraOpThreads"/>
    /// (default: the count chosen for that model from its size, see <see cref="IntraOpThreadsSource.Automatic"/>). A model
    /// chosen one thread automatically does not join: it runs on the caller's thread in a session of its own.
    /// </summary>
    SharedPool,

    /// <summary>A pool per model, of <see cref="OnnxModelOptions.IntraOpThreads"/> threads (when unset, the count chosen for the model from its size).</summary>
    PerSession,
}
