using System.Diagnostics;

namespace FastDraft.Evaluation;

/// <summary>
/// Runs modes interleaved and counterbalanced: every repetition runs every mode on every prompt, even
/// repetitions in the modes' order and odd ones in reverse, so that machine drift over minutes and the
/// position after a given neighbour fall on every mode alike.
/// </summary>
public static class InterleavedSchedule
{
    /// <summary>Warms every mode up once, then runs the repetitions.</summary>
    /// <param name="modes">The modes; names unique.</param>
    /// <param name="prompts">The prompts' token ids.</param>
    /// <param name="options">Length, repetitions, seeds.</param>
    /// <param name="afterRepetition">Called after each repetition with its index (0-based), for measurements taken under the same conditions (step calibration).</param>
    /// <param name="progress">Receives progress after each generation.</param>
    /// <param name="cancellationToken">Cancels the schedule between or inside generations.</param>
    /// <returns>The samples.</returns>
    /// <exception cref="ArgumentException">No modes, duplicate names, no prompts, or options out of range.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static MeasurementSet Run(
        IReadOnlyList<IMeasuredMode> modes,
        IReadOnlyList<int[]> prompts,
        ScheduleOptions options,
        Action<int>? afterRepetition = null,
        IProgress<EvaluationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Validate(modes, prompts, options);
        var clock = Stopwatch.StartNew();
        int warmUp = Math.Min(options.WarmUpTokens, options.MaxNewTokens);
        for (int m = 0; m < modes.Count; m++)
        {
            progress?.Report(new EvaluationProgress("warm-up", modes[m].Name, (double)m / modes.Count, TimeSpan.Zero));
            modes[m].Run(new GenerationRequest(prompts[0], warmUp, options.Seed), cancellationToken);
        }

        var samples = modes.ToDictionary(m => m, _ => new GenerationSample[options.Repetitions][]);
        int total = options.Repetitions * modes.Count * prompts.Count;
        int done = 0;
        clock.Restart();
        for (int repetition = 0; repetition < options.Repetitions; repetition++)
        {
            foreach (IMeasuredMode mode in repetition % 2 == 0 ? modes : Enumerable.Reverse(modes))
            {
                var run = new GenerationSample[prompts.Count];
                for (int p = 0; p < prompts.Count; p++)
                {
                    long seed = options.Seed + ((long)repetition * prompts.Count) + p;
                    run[p] = mode.Run(new GenerationRequest(prompts[p], options.MaxNewTokens, seed), cancellationToken);
                    done++;
                    TimeSpan remaining = clock.Elapsed * ((double)(total - done) / done);
                    progress?.Report(new EvaluationProgress("measure", $"repetition {repetition + 1}/{options.Repetitions}, {mode.Name}", (double)done / total, remaining));
                }

                samples[mode][repetition] = run;
            }

            afterRepetition?.Invoke(repetition);
        }

        return new MeasurementSet(modes, samples);
    }

    private static void Validate(IReadOnlyList<IMeasuredMode> modes, IReadOnlyList<int[]> prompts, ScheduleOptions options)
    {
        ArgumentNullException.ThrowIfNull(modes);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        if (modes.Count == 0 || prompts.Count == 0)
        {
            throw new ArgumentException("A schedule needs at least one mode and one prompt.", modes.Count == 0 ? nameof(modes) : nameof(prompts));
        }

        if (modes.Select(m => m.Name).Distinct(StringComparer.Ordinal).Count() != modes.Count)
        {
            throw new ArgumentException("Mode names must be unique.", nameof(modes));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxNewTokens, 2, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Repetitions, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WarmUpTokens, 1, nameof(options));
    }
}
