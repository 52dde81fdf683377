using System.Collections.Concurrent;
using FastDraft.OnnxRuntime;

namespace FastDraft.Tests.Infrastructure;

/// <summary>Models loaded once per test run and shared by tests (a loaded model serves concurrent generations).</summary>
internal static class LoadedModels
{
    private static readonly ConcurrentDictionary<string, Lazy<OnnxCausalLM>> Models = new();

    public static OnnxCausalLM Get(string folder) =>
        Models.GetOrAdd(folder, f => new Lazy<OnnxCausalLM>(() => OnnxCausalLM.Load(f))).Value;

    /// <summary>Drains a token stream that must complete synchronously (no thread hop), so per-thread allocation counters see everything.</summary>
#pragma warning disable CA2012 // each ValueTask is checked to have completed before its result is read
    public static long DrainCountingAllocations(IAsyncEnumerable<GeneratedToken> stream, out int count)
    {
        count = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        IAsyncEnumerator<GeneratedToken> enumerator = stream.GetAsyncEnumerator();
        try
        {
            while (true)
            {
                ValueTask<bool> next = enumerator.MoveNextAsync();
                Assert.True(next.IsCompletedSuccessfully, "the generator should complete synchronously on the CPU backend");
                if (!next.Result)
                {
                    break;
                }

                count++;
            }
        }
        finally
        {
            ValueTask disposed = enumerator.DisposeAsync();
            Assert.True(disposed.IsCompletedSuccessfully);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
#pragma warning restore CA2012
}
