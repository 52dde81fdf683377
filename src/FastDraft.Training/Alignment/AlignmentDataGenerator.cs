using System.Diagnostics;
using System.Runtime.ExceptionServices;
using FastDraft.OnnxRuntime;

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
    /// <para>
    /// With <see cref="AlignmentDataOptions.BatchSize"/> above 1 and an ONNX target that can decode rows together
    /// (GroupQueryAttention with a shared cache, or a graph taking an attention mask and position ids), records are
    /// generated in batches of consecutive indices: each step of a batch is one forward pass over all its rows. Each
    /// row keeps the target's top-k distribution from the logits it chose its token from. Otherwise (or with a batch
    /// size of 1) records are generated one at a time, one generation per available processor at once, and the top-k
    /// distribution comes from a second, teacher-forced pass along the finished sequence.
    /// </para>
    /// <para>
    /// Records are appended in index order whatever the number of workers. A batch always holds the same records (batch
    /// b holds records b × size to b × size + size − 1), and a resumed file regenerates the batch its next record belongs
    /// to, keeping only the records it lacks: record i is the same however often the run was interrupted.
    /// </para>
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
        OnnxCausalLM? batched = BatchTarget(target, options);
        int unit = batched is null ? 1 : options.BatchSize;
        var generator = new SpeculativeGenerator(target);
        var clock = Stopwatch.StartNew();
        long generated = 0;
        int startedWith = done;
        int nextUnit = done / unit;
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
                int first;
                lock (gate)
                {
                    // The budget never leaves the file empty: a budget spent before the first record (a slow corpus
                    // load on a busy machine) would otherwise leave nothing to align on.
                    first = nextUnit * unit;
                    if (first >= options.Sequences || (clock.Elapsed > options.TimeBudget && done > 0))
                    {
                        return;
                    }

                    nextUnit++;
                }

                int count = Math.Min(unit, options.Sequences - first);
                GeneratedSequence[] sequences = batched is null
                    ? [await GenerateOneAsync(generator, target, trainingTokens, options, first, stop.Token).ConfigureAwait(false)]
                    : BatchedAlignment.Generate(batched, [.. Enumerable.Range(first, count).Select(i => AlignmentRecordPlan.Of(target.Info, trainingTokens, options, i))], options.ContinuationLength, options.TopK, stop.Token);
                lock (gate)
                {
                    for (int i = 0; i < sequences.Length; i++)
                    {
                        if (first + i >= done)
                        {
                            finished[first + i] = sequences[i]; // a resumed batch's records already in the file are dropped
                        }
                    }

                    // Appended in record order: a record's content depends on its index only.
                    while (finished.Remove(done, out GeneratedSequence? ready))
                    {
                        AlignmentDataFile.Append(file, ready.Tokens, ready.PromptLength, ready.Kind, ready.TopIds, ready.TopProbabilities, options.TopK);
                        done++;
                        generated += ready.Tokens.Length - ready.PromptLength;
                        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                        double perSequence = clock.Elapsed.TotalSeconds / (done - startedWith);
                        progress?.Report(new AlignmentDataProgress(done, options.Sequences, generated, generated / seconds, clock.Elapsed, TimeSpan.FromSeconds(perSequence * (options.Sequences - done)))
                        {
                            SequencesPerSecond = (done - startedWith) / seconds,
                        });
                    }
                }
            }
        }

        int workers = batched is null ? Math.Clamp(Environment.ProcessorCount, 1, 16) : options.BatchWorkers ?? DefaultBatchWorkers;
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

    /// <summary>Gets the batches generated at once: half the processors, 1 to 4 (one on the 2-core machine the figures were measured on; more is unmeasured).</summary>
    private static int DefaultBatchWorkers => Math.Clamp(Environment.ProcessorCount / 2, 1, 4);

    /// <summary>The target as a model that decodes rows together, when batches are asked for and it can.</summary>
    private static OnnxCausalLM? BatchTarget(ITargetModel target, AlignmentDataOptions options) =>
        options.BatchSize > 1 && target.GetService(typeof(OnnxCausalLM)) is OnnxCausalLM onnx && onnx.BatchUnsupportedReason is null ? onnx : null;

    /// <summary>Generates record <paramref name="index"/>: its prompt, continuation kind and sampling seed come from the index.</summary>
    private static async Task<GeneratedSequence> GenerateOneAsync(SpeculativeGenerator generator, ITargetModel target, TokenCorpus trainingTokens, AlignmentDataOptions options, int index, CancellationToken cancellationToken)
    {
        AlignmentRecordPlan plan = AlignmentRecordPlan.Of(target.Info, trainingTokens, options, index);
        int promptLength = plan.Prompt.Length;
        int[] tokens = new int[promptLength + options.ContinuationLength];
        plan.Prompt.CopyTo(tokens, 0);
        GenerationResult continuation = await generator.GenerateToListAsync(plan.Prompt, plan.Request, cancellationToken).ConfigureAwait(false);
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

        return new GeneratedSequence(tokens[..produced], promptLength, plan.Kind, topIds, topProbabilities);
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
