namespace FastDraft.Evaluation;

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
