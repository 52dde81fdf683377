using FastDraft.OnnxRuntime;
using Microsoft.Extensions.Logging;

namespace FastDraft.Hosting.Internals;

/// <summary>The registration's log messages (source-generated).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loaded model {Model} on {ExecutionProvider}: KV cache {KvCache}, {Threads} intra-op threads, context {ContextLength} tokens")]
    public static partial void ModelLoaded(ILogger logger, string model, ExecutionProvider executionProvider, string kvCache, int threads, int contextLength);
}
