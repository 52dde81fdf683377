namespace FastDraft.Evaluation;

/// <summary>A FastDraft mode: a <see cref="SpeculativeGenerator"/> with fixed request options, measured by <see cref="GenerationMeter"/>.</summary>
/// <remarks>The mode never disposes the generator's models.</remarks>
public sealed class GeneratorMode : IMeasuredMode
{
    private readonly GenerationOptions _options;
    private readonly bool _keepTokens;

    /// <summary>Initializes a mode.</summary>
    /// <param name="name">The mode's name.</param>
    /// <param name="generator">The generator (target-only when it has no draft).</param>
    /// <param name="options">
    /// Request options (temperature, processors); <see langword="null"/> for greedy defaults. Every run replaces
    /// <see cref="GenerationOptions.MaxNewTokens"/> with the request's, ignores end-of-sequence (except under a
    /// <see cref="GenerationOptions.Constraint"/>, whose value ends with it), and when sampling takes the request's seed.
    /// </param>
    /// <param name="keepTokens">Whether samples keep the generated ids (for the quality gate).</param>
    public GeneratorMode(string name, SpeculativeGenerator generator, GenerationOptions? options = null, bool keepTokens = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Generator = generator ?? throw new ArgumentNullException(nameof(generator));
        _options = (options ?? GenerationOptions.Default) with { IgnoreEndOfSequence = options?.Constraint is null };
        _keepTokens = keepTokens;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Gets the generator.</summary>
    public SpeculativeGenerator Generator { get; }

    /// <inheritdoc/>
    public GenerationSample Run(GenerationRequest request, CancellationToken cancellationToken)
    {
        GenerationOptions options = _options with { MaxNewTokens = request.MaxNewTokens, Seed = _options.Temperature > 0 ? request.Seed : _options.Seed };
        return GenerationMeter.Measure(Generator, request.Prompt, options, _keepTokens, cancellationToken);
    }
}
