using System.Collections.Concurrent;
using System.Diagnostics;

namespace FastDraft.Stress;

/// <summary>Resident and managed memory at one point of a run.</summary>
public sealed record MemoryPoint(string Label, int Completed, long ResidentBytes, long ManagedBytes)
{
    public static MemoryPoint Take(string label, int completed)
    {
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return new MemoryPoint(label, completed, process.WorkingSet64, managed);
    }
}

/// <summary>What one scenario did: how many runs, how many outputs differed from their references, and how the runs ended.</summary>
public sealed record ScenarioReport(string Name, int Runs, int Compared, int Mismatches, TimeSpan Elapsed, IReadOnlyDictionary<string, int> Outcomes, IReadOnlyList<MemoryPoint> Memory, IReadOnlyList<string> Failures)
{
    /// <summary>Gets whether every compared output matched and nothing ended in an undocumented way.</summary>
    public bool Passed => Mismatches == 0 && Failures.Count == 0;
}

/// <summary>
/// The stress scenarios: concurrent mixed generations on one pair, long sequential runs, load/dispose
/// cycles, disposal under running generations and cancellations at random points. Every output is
/// compared token by token with a reference generated alone, before the stress.
/// </summary>
public static class StressScenarios
{
    /// <summary>Generates the reference output of each distinct request, one at a time.</summary>
    public static async Task<Dictionary<StressRequest, int[]>> ReferencesAsync(StressPair pair, IEnumerable<StressRequest> requests, CancellationToken cancellationToken)
    {
        var references = new Dictionary<StressRequest, int[]>(RequestComparer.Instance);
        foreach (StressRequest request in requests)
        {
            if (!references.ContainsKey(request))
            {
                references[request] = await pair.RunAsync(request, cancellationToken).ConfigureAwait(false);
            }
        }

        return references;
    }

    /// <summary>Runs every request with <paramref name="parallelism"/> generations at a time on the one pair.</summary>
    public static async Task<ScenarioReport> ConcurrentAsync(StressPair pair, IReadOnlyList<StressRequest> requests, IReadOnlyDictionary<StressRequest, int[]> references, int parallelism, CancellationToken cancellationToken)
    {
        var failures = new ConcurrentBag<string>();
        int mismatches = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (request, token) =>
        {
            int[] ids = await pair.RunAsync(request, token).ConfigureAwait(false);
            if (!ids.AsSpan().SequenceEqual(references[request]))
            {
                Interlocked.Increment(ref mismatches);
                failures.Add($"request {request.Index} ({request.Kind}): {Describe(ids, references[request])}");
            }
        }).ConfigureAwait(false);
        return new ScenarioReport(
            $"{parallelism} concurrent generations, mixed kinds", requests.Count, requests.Count, mismatches, clock.Elapsed,
            CountByKind(requests), [], [.. failures]);
    }

    /// <summary>Runs every request one after another, with memory at the start, the middle and the end.</summary>
    public static async Task<ScenarioReport> SequentialAsync(StressPair pair, IReadOnlyList<StressRequest> requests, IReadOnlyDictionary<StressRequest, int[]> references, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var memory = new List<MemoryPoint> { MemoryPoint.Take("start", 0) };
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < requests.Count; i++)
        {
            int[] ids = await pair.RunAsync(requests[i], cancellationToken).ConfigureAwait(false);
            if (!ids.AsSpan().SequenceEqual(references[requests[i]]))
            {
                failures.Add($"request {i} ({requests[i].Kind}): {Describe(ids, references[requests[i]])}");
            }

            if (i + 1 == requests.Count / 2)
            {
                memory.Add(MemoryPoint.Take("middle", i + 1));
            }
        }

        memory.Add(MemoryPoint.Take("end", requests.Count));
        return new ScenarioReport("sequential generations", requests.Count, requests.Count, failures.Count, clock.Elapsed, CountByKind(requests), memory, failures);
    }

    /// <summary>Loads the pair, generates once and disposes it, <paramref name="cycles"/> times, with memory at the start, the middle and the end.</summary>
    public static async Task<ScenarioReport> LoadDisposeCyclesAsync(string targetFolder, string draftFolder, StressRequest request, int[] reference, int cycles, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var memory = new List<MemoryPoint> { MemoryPoint.Take("start", 0) };
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cycles; i++)
        {
            using (var pair = new StressPair(targetFolder, draftFolder))
            {
                int[] ids = await pair.RunAsync(request, cancellationToken).ConfigureAwait(false);
                if (!ids.AsSpan().SequenceEqual(reference))
                {
                    failures.Add($"cycle {i}: {Describe(ids, reference)}");
                }
            }

            if (i + 1 == cycles / 2)
            {
                memory.Add(MemoryPoint.Take("middle", i + 1));
            }
        }

        memory.Add(MemoryPoint.Take("end", cycles));
        return new ScenarioReport("load, generate, dispose cycles", cycles, cycles, failures.Count, clock.Elapsed, new Dictionary<string, int> { ["cycles"] = cycles }, memory, failures);
    }

    /// <summary>
    /// Starts <paramref name="parallelism"/> long generations on a freshly loaded pair and disposes the pair
    /// while they run, <paramref name="rounds"/> times. Each generation must end, either complete or with
    /// <see cref="ObjectDisposedException"/>, having emitted a prefix of its reference; afterwards a fresh
    /// pair still produces the reference.
    /// </summary>
    public static async Task<ScenarioReport> DisposeUnderLoadAsync(string targetFolder, string draftFolder, IReadOnlyList<StressRequest> requests, IReadOnlyDictionary<StressRequest, int[]> references, int rounds, int parallelism, int seed, CancellationToken cancellationToken)
    {
        var outcomes = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentBag<string>();
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        for (int round = 0; round < rounds; round++)
        {
            var pair = new StressPair(targetFolder, draftFolder);
            StressRequest[] batch = [.. Enumerable.Range(0, parallelism).Select(i => requests[((round * parallelism) + i) % requests.Count])];
            var started = new CountdownEvent(batch.Length);
            Task[] running = [.. batch.Select(request => Task.Run(() => RunOnceAsync(pair, request, references[request], started, null, outcomes, failures), cancellationToken))];
            started.Wait(cancellationToken);
            await Task.Delay(random.Next(0, 20), cancellationToken).ConfigureAwait(false);
            pair.Dispose();
            await Task.WhenAll(running).ConfigureAwait(false);
        }

        using (var fresh = new StressPair(targetFolder, draftFolder))
        {
            await CheckEveryKindAsync(fresh, requests, references, "afterwards, fresh pair", "after disposal", outcomes, failures, cancellationToken).ConfigureAwait(false);
        }

        return new ScenarioReport(
            $"model disposed under {parallelism} running generations", rounds * parallelism, outcomes.Values.Sum(),
            failures.Count(f => f.Contains("differs", StringComparison.Ordinal)), clock.Elapsed, outcomes, [], [.. failures]);
    }

    /// <summary>
    /// Cancels <paramref name="count"/> generations at random points (after a random number of tokens, or
    /// after a random delay from another thread); each must throw <see cref="OperationCanceledException"/>
    /// or complete, having emitted a prefix of its reference. Then every kind must still produce its reference.
    /// </summary>
    public static async Task<ScenarioReport> CancellationsAsync(StressPair pair, IReadOnlyList<StressRequest> requests, IReadOnlyDictionary<StressRequest, int[]> references, int count, int seed, CancellationToken cancellationToken)
    {
        var outcomes = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentBag<string>();
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            StressRequest request = requests[random.Next(requests.Count)];
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            int cancelAfterTokens = -1;
            if (random.Next(2) == 0)
            {
                cancelAfterTokens = random.Next(0, references[request].Length + 1);
            }
            else
            {
                cancellation.CancelAfter(TimeSpan.FromMilliseconds(random.NextDouble() * 5));
            }

            await RunOnceAsync(pair, request, references[request], null, (cancellation, cancelAfterTokens), outcomes, failures).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        await CheckEveryKindAsync(pair, requests, references, "afterwards, same pair", "after the cancellations", outcomes, failures, cancellationToken).ConfigureAwait(false);

        return new ScenarioReport(
            "cancellations at random points", count, outcomes.Values.Sum(),
            failures.Count(f => f.Contains("differs", StringComparison.Ordinal)), clock.Elapsed, outcomes, [], [.. failures]);
    }

    /// <summary>Runs one request of each kind on <paramref name="pair"/> after a scenario: each must still produce its reference.</summary>
    private static async Task CheckEveryKindAsync(
        StressPair pair, IReadOnlyList<StressRequest> requests, IReadOnlyDictionary<StressRequest, int[]> references,
        string outcome, string after, ConcurrentDictionary<string, int> outcomes, ConcurrentBag<string> failures, CancellationToken cancellationToken)
    {
        foreach (StressRequest request in requests.DistinctBy(r => r.Kind))
        {
            int[] ids = await pair.RunAsync(request, cancellationToken).ConfigureAwait(false);
            Tally(outcomes, outcome);
            if (!ids.AsSpan().SequenceEqual(references[request]))
            {
                failures.Add($"{after}, request {request.Index} ({request.Kind}): {Describe(ids, references[request])}");
            }
        }
    }

    /// <summary>
    /// Runs one request, optionally cancelling it after some tokens, and records how it ended. The tokens
    /// emitted before it ended must be a prefix of the reference (all of it when it completed).
    /// </summary>
    private static async Task RunOnceAsync(
        StressPair pair, StressRequest request, int[] reference, CountdownEvent? started,
        (CancellationTokenSource Source, int AfterTokens)? cancel, ConcurrentDictionary<string, int> outcomes, ConcurrentBag<string> failures)
    {
        var ids = new List<int>();
        string outcome;
        try
        {
            CancellationToken token = cancel?.Source.Token ?? CancellationToken.None;
            if (cancel is { AfterTokens: 0 } at)
            {
                await at.Source.CancelAsync().ConfigureAwait(false);
            }

            started?.Signal();
            started = null;
            await foreach (GeneratedToken generated in pair.For(request.Kind).GenerateAsync(request.Prompt, request.Options, null, token).ConfigureAwait(false))
            {
                ids.Add(generated.Id);
                if (cancel is { } c && ids.Count == c.AfterTokens)
                {
                    await c.Source.CancelAsync().ConfigureAwait(false);
                }
            }

            outcome = "completed";
            if (ids.Count != reference.Length)
            {
                failures.Add($"request {request.Index} ({request.Kind}) completed with {ids.Count} of {reference.Length} tokens");
            }
        }
        catch (OperationCanceledException) when (cancel is not null)
        {
            outcome = "cancelled (OperationCanceledException)";
        }
        catch (ObjectDisposedException) when (cancel is null)
        {
            outcome = "model disposed (ObjectDisposedException)";
        }
        catch (Exception ex)
        {
            outcome = $"unexpected {ex.GetType().Name}";
            failures.Add($"request {request.Index} ({request.Kind}): {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            started?.Signal();
        }

        Tally(outcomes, outcome);
        if (ids.Count > reference.Length || !System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids).SequenceEqual(reference.AsSpan(0, ids.Count)))
        {
            failures.Add($"request {request.Index} ({request.Kind}) ended '{outcome}': {Describe([.. ids], reference)}");
        }
    }

    private static void Tally(ConcurrentDictionary<string, int> outcomes, string outcome) => outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    private static Dictionary<string, int> CountByKind(IEnumerable<StressRequest> requests) =>
        requests.GroupBy(r => r.Kind).ToDictionary(g => g.Key.ToString(), g => g.Count());

    private static string Describe(int[] actual, int[] expected)
    {
        int at = actual.AsSpan().CommonPrefixLength(expected);
        return $"differs from its reference at token {at} ({actual.Length} vs {expected.Length} tokens)";
    }

    /// <summary>Requests are equal when they would produce the same tokens: same kind, prompt and options.</summary>
    private sealed class RequestComparer : IEqualityComparer<StressRequest>
    {
        public static readonly RequestComparer Instance = new();

        public bool Equals(StressRequest? x, StressRequest? y) =>
            x is not null && y is not null && x.Kind == y.Kind && x.Options == y.Options && x.Prompt.AsSpan().SequenceEqual(y.Prompt);

        public int GetHashCode(StressRequest obj) => HashCode.Combine(obj.Kind, obj.Options.Seed, obj.Prompt.Length, obj.Prompt.Length > 0 ? obj.Prompt[0] : 0);
    }
}
