namespace FastDraft.Evaluation;

/// <summary>A way of generating that can be measured: a system, a proposer and its settings.</summary>
/// <remarks>
/// <see cref="InterleavedSchedule"/> calls <see cref="Run"/> from one thread, one generation at a time.
/// Implementations run the generation to completion before returning, and throw
/// <see cref="OperationCanceledException"/> when the token is cancelled.
/// </remarks>
public interface IMeasuredMode
{
    /// <summary>Gets the mode's name, unique among the modes measured together.</summary>
    string Name { get; }

    /// <summary>Runs one generation and returns its measurements.</summary>
    /// <param name="request">The prompt, length and seed.</param>
    /// <param name="cancellationToken">Cancels the generation.</param>
    /// <returns>The generation's measurements.</returns>
    GenerationSample Run(GenerationRequest request, CancellationToken cancellationToken);
}
