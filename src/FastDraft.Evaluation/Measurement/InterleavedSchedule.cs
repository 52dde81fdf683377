using System.Diagnostics;

namespace FastDraft.Evaluation;

/// <summary>How <see cref="InterleavedSchedule"/> runs the modes.</summary>
public sealed record ScheduleOptions
{
    /// <summary>Gets the tokens generated per prompt; at least 2 (decoding starts after the first); default 64.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Gets the number of repetitions; at least 1; default 3.</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>Gets the first seed of sampled generations: the generation of prompt p in repetition r gets <c>Seed + r × prompts + p</c>.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Gets the tokens of the one warm-up generation per mode (JIT, pooled buffers), not measured; default 16, capped at <see cref="MaxNewTokens"/>.</summary>
    public int WarmUpTokens { get; init; } = 16;
}

/// <summary>Progress of a long measurement.</summary>
/// <param name="Stage">The stage: <c>warm-up</c>, <c>measure</c>, <c>quality</c>.</param>
/// <param name="Message">What runs now.</param>
/// <param name="Fraction">The fraction of the stage done, in [0, 1].</param>
/// <param name="Remaining">The estimated time left in the stage (zero when unknown).</param>
public readonly record struct EvaluationProgress(string Stage, string Message, double Fraction, TimeSpan Remaining);

/// <summary>Every sample of a schedule: by mode, repetition and prompt.</summary>
public sealed class MeasurementSet
{
    private readonly Dictionary<IMeasuredMode, GenerationSample[][]> _samples;

    internal MeasurementSet(IReadOnlyList<IMeasuredMode> modes, Dictionary<IMeasuredMode, GenerationSample[][]> samples)
    {
        Modes = modes;
        _samples = samples;
    }

    /// <summary>Gets the modes, in the order they were given.</summary>
    public IReadOnlyList<IMeasuredMode> Modes { get; }

    /// <summary>Returns a mode's samples: one array per repetition, one sample per prompt in the prompts' order.</summary>
    /// <param name="mode">One of <see cref="Modes"/>.</param>
    /// <returns>The samples by repetition and prompt.</returns>
    /// <exception cref="KeyNotFoundException">The mode was not measured.</exception>
    public IReadOnlyList<IReadOnlyList<GenerationSample>> For(IMeasuredMode mode) => _samples[mode];
}

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
