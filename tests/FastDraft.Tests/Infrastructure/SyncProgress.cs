namespace FastDraft.Tests.Infrastructure;

/// <summary>Reports on the caller's thread, at once (Progress&lt;T&gt; posts to the pool, too late to cancel a given step).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
