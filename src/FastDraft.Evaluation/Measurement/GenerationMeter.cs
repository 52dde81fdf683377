using System.Diagnostics;

namespace FastDraft.Evaluation;

/// <summary>Measures one generation of a <see cref="SpeculativeGenerator"/>: the one place its timing, CPU and allocation are read.</summary>
public static class GenerationMeter
{
    /// <summary>Runs a generation to its end on the calling thread and returns what it measured.</summary>
    /// <param name="generator">The generator (target-only when it has no draft).</param>
    /// <param name="prompt">The prompt's token ids.</param>
    /// <param name="options">The request's options.</param>
    /// <param name="keepTokens">Whether to return the generated ids in <see cref="GenerationSample.Tokens"/> (one array per generation; off, the measurement allocates nothing per token).</param>
    /// <param name="cancellationToken">Cancels the generation.</param>
    /// <returns>The generation's measurements.</returns>
    /// <remarks>
    /// The generation is driven synchronously: a CPU backend completes every step on this thread, so the
    /// thread's allocation counter sees all of it. CPU time is the whole process's (every runtime thread),
    /// from <see cref="Environment.CpuUsage"/>, which reads the same counters as <see cref="Process.TotalProcessorTime"/>
    /// without allocating.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static GenerationSample Measure(
        SpeculativeGenerator generator,
        ReadOnlyMemory<int> prompt,
        GenerationOptions options,
        bool keepTokens = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(options);
        var stats = new GenerationStats();
        int[]? tokens = keepTokens ? new int[options.MaxNewTokens] : null;
        int count = 0;
        int context = generator.Target.Info.ContextLength;
        int bucketWidth = ContextPositionCounts.BucketWidth(context);
        int[] acceptedByContext = new int[ContextPositionCounts.Buckets];
        int[] evaluatedByContext = new int[ContextPositionCounts.Buckets];
        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long started = Stopwatch.GetTimestamp();
        IAsyncEnumerator<GeneratedToken> stream = generator.GenerateAsync(prompt, options, stats, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (stream.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                GeneratedToken token = stream.Current;
                if (tokens is not null && count < tokens.Length)
                {
                    tokens[count] = token.Id;
                }

                // An accepted proposal, or the target's correction of a rejected one, at its place in the context.
                if (token.Source is TokenSource.Draft or TokenSource.Lookup or TokenSource.Correction)
                {
                    int bucket = ContextPositionCounts.Bucket(prompt.Length + count, bucketWidth);
                    evaluatedByContext[bucket]++;
                    acceptedByContext[bucket] += token.Source is TokenSource.Draft or TokenSource.Lookup ? 1 : 0;
                }

                count++;
            }
        }
        finally
        {
            stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        TimeSpan wall = Stopwatch.GetElapsedTime(started);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        TimeSpan cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        return new GenerationSample
        {
            GeneratedTokens = stats.GeneratedTokens,
            GrammarTokens = stats.GrammarTokens,
            Tokens = tokens is null ? null : tokens[..Math.Min(count, tokens.Length)],
            TimeToFirstToken = stats.TimeToFirstToken,
            DecodeTime = stats.TotalTime - stats.TimeToFirstToken,
            WallTime = wall,
            CpuTime = cpu,
            ModelTime = stats.PrefillTime + stats.TargetTime + stats.DraftTime,
            AllocatedBytes = allocated,
            TargetCalls = stats.TargetCalls,
            Rounds = stats.Rounds,
            DraftRounds = stats.DraftRounds,
            DraftedTokens = stats.DraftedTokens,
            EvaluatedTokens = stats.EvaluatedTokens,
            AcceptedTokens = stats.AcceptedTokens,
            AcceptedByPosition = [.. stats.AcceptedByPosition],
            EvaluatedByPosition = [.. stats.EvaluatedByPosition],
            ContextLength = context,
            AcceptedByContextPosition = acceptedByContext,
            EvaluatedByContextPosition = evaluatedByContext,
            DraftTime = stats.DraftTime,
        };
    }
}
