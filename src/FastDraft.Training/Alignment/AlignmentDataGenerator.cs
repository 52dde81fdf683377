using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace FastDraft.Training;

/// <summary>
/// Generates alignment data: the target, driven by the library's own generator (target only), continues prompts
/// cut from the training part of a corpus; the sequences are appended to an <see cref="AlignmentDataFile"/>.
/// </summary>
public static class AlignmentDataGenerator
{
    /// <summary>Generates sequences until the file holds <see cref="AlignmentDataOptions.Sequences"/> (or the time budget ends); resumes an existing file.</summary>
    /// <param name="target">The target model; not disposed.</param>
    /// <param name="trainingTokens">The training part of the corpus (held-out files must not be in it).</param>
    /// <param name="path">The alignment-data file, created or resumed.</param>
    /// <param name="options">What to generate.</param>
    /// <param name="progress">Receives progress after every sequence; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops; the file keeps every sequence finished in record order.</param>
    /// <returns>The number of sequences in the file.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; the file stays resumable.</exception>
    /// <remarks>
    /// One generation per available processor runs at a time (a small target's decode step is too small to keep
    /// several cores busy on its own); records are still appended in index order, so record i is the same whatever
    /// the number of workers.
    /// </remarks>
    public static async Task<int> GenerateAsync(
        ITargetModel target,
        TokenCorpus trainingTokens,
        string path,
        AlignmentDataOptions options,
        IProgress<AlignmentDataProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainingTokens);
        options.Validate(target, trainingTokens.TokenCount);

        using FileStream file = AlignmentDataFile.OpenForAppend(path, target.Info.VocabularySize, options.TopK, out int done);
        var generator = new SpeculativeGenerator(target);
        var clock = Stopwatch.StartNew();
        long generated = 0;
        int startedWith = done;
        int next = done;
        var finished = new Dictionary<int, GeneratedSequence>();
        var gate = new Lock();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task WorkAsync()
        {
            try
            {
                await WorkUntilDoneAsync().ConfigureAwait(false);
            }
            catch
            {
                // One failure stops the other workers; the file keeps what was appended in order.
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        async Task WorkUntilDoneAsync()
        {
            while (true)
            {
                int index;
                lock (gate)
                {
                    // The budget never leaves the file empty: a budget spent before the first record (a slow corpus
                    // load on a busy machine) would otherwise leave nothing to align on.
                    if (next >= options.Sequences || (clock.Elapsed > options.TimeBudget && done > 0))
                    {
                        return;
                    }

                    index = next++;
                }

                GeneratedSequence sequence = await GenerateOneAsync(generator, target, trainingTokens, options, index, stop.Token).ConfigureAwait(false);
                lock (gate)
                {
                    finished[index] = sequence;

                    // Appended in record order: a record's content depends on its index only.
                    while (finished.Remove(done, out GeneratedSequence? ready))
                    {
                        AlignmentDataFile.Append(file, ready.Tokens, ready.PromptLength, ready.Kind, ready.TopIds, ready.TopProbabilities, options.TopK);
                        done++;
                        generated += ready.Tokens.Length - ready.PromptLength;
                        double rate = generated / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                        double perSequence = clock.Elapsed.TotalSeconds / (done - startedWith);
                        progress?.Report(new AlignmentDataProgress(done, options.Sequences, generated, rate, clock.Elapsed, TimeSpan.FromSeconds(perSequence * (options.Sequences - done))));
                    }
                }
            }
        }

        int workers = Math.Clamp(Environment.ProcessorCount, 1, 16);
        Task[] running = [.. Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync, CancellationToken.None))];
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A worker's failure cancelled the others: report the failure, not their cancellation.
            Exception? failure = running.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
            if (failure is not null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }

            throw;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return done;
    }

    /// <summary>Generates record <paramref name="index"/>: its prompt, continuation kind and sampling seed come from the index.</summary>
    private static async Task<GeneratedSequence> GenerateOneAsync(SpeculativeGenerator generator, ITargetModel target, TokenCorpus trainingTokens, AlignmentDataOptions options, int index, CancellationToken cancellationToken)
    {
        int promptLength = options.PromptLengthOf(target.Info, index);
        int[] tokens = new int[promptLength + options.ContinuationLength];
        int start = (int)(SplitMix64.Mix(options.Seed, (ulong)index) % (ulong)(trainingTokens.TokenCount - promptLength));
        trainingTokens.CopyTo(start, tokens.AsSpan(0, promptLength));
        bool greedy = Math.Floor((index + 1) * options.GreedyShare) > Math.Floor(index * options.GreedyShare);
        var request = new GenerationOptions
        {
            MaxNewTokens = options.ContinuationLength,
            IgnoreEndOfSequence = true,
            Temperature = greedy ? 0 : options.Temperature,
            Seed = (long)(SplitMix64.Mix(options.Seed ^ 0x5EED, (ulong)index) >> 1),
        };

        GenerationResult continuation = await generator.GenerateToListAsync(tokens.AsMemory(0, promptLength), request, cancellationToken).ConfigureAwait(false);
        int produced = promptLength;
        foreach (GeneratedToken token in continuation.Tokens)
        {
            tokens[produced++] = token.Id;
        }

        int[] topIds = new int[options.ContinuationLength * options.TopK];
        float[] topProbabilities = new float[topIds.Length];
        if (options.TopK > 0)
        {
            KeepTopDistribution(target, tokens, produced, promptLength, options.TopK, topIds, topProbabilities, cancellationToken);
        }

        return new GeneratedSequence(tokens[..produced], promptLength, greedy ? ContinuationKind.Greedy : ContinuationKind.Sampled, topIds, topProbabilities);
    }

    /// <summary>Runs the target along the sequence and keeps its top-k distribution at every continuation position.</summary>
    private static void KeepTopDistribution(ITargetModel target, int[] tokens, int length, int promptLength, int k, int[] ids, float[] probabilities, CancellationToken cancellationToken)
    {
        using IModelSession session = target.CreateSession(length);
        TeacherForcing.Run(
            session,
            tokens.AsSpan(0, length),
            promptLength - 1,
            (position, logits) =>
            {
                // The logits at position p score the continuation token p + 1 - promptLength.
                int row = position + 1 - promptLength;
                TopK.Softmax(logits, k, ids.AsSpan(row * k, k), probabilities.AsSpan(row * k, k));
            },
            cancellationToken);
    }
}
