using System.Diagnostics.Metrics;

namespace FastDraft;

/// <summary>How a <see cref="SpeculativeGenerator"/> drafts; fixed for the generator's lifetime.</summary>
public sealed record SpeculativeOptions
{
    /// <summary>The largest <see cref="DraftTokens"/> allowed.</summary>
    public const int MaxDraftTokens = 64;

    /// <summary>Gets the default options.</summary>
    public static SpeculativeOptions Default { get; } = new();

    /// <summary>
    /// Gets the number of tokens (K) the draft proposes per round; the target verifies them
    /// together with the previous token in one pass of K + 1 tokens. 1 to <see cref="MaxDraftTokens"/>; default 4.
    /// </summary>
    public int DraftTokens { get; init; } = 4;

    /// <summary>
    /// Gets a value indicating whether the number of tokens drafted per round adapts, between 0 and
    /// <see cref="DraftTokens"/>, to α (accepted ÷ judged proposals, <see cref="GenerationStats.Alpha"/>) and the draft and target times measured during
    /// the generation (see the README), starting from what the generator's previous generation learnt.
    /// At 0 the round is a plain target step, so a draft that is never right costs almost nothing. The emitted tokens do not depend on it; but because the choice
    /// follows timings, a sampled request with a <see cref="GenerationOptions.Seed"/> keeps the length
    /// fixed so that the seed reproduces its tokens. Default: <see langword="true"/>.
    /// </summary>
    public bool AdaptiveDraftTokens { get; init; } = true;

    /// <summary>
    /// Gets the draft confidence below which a draft model stops proposing within a round: when its
    /// most likely next token has a lower probability (after the request's processors). 0, the default,
    /// never stops early, because small drafts are often right with little confidence (the README's
    /// "Choosing a draft" has the measurements). Drafts without a distribution (n-gram) ignore it.
    /// </summary>
    public float DraftConfidenceThreshold { get; init; }

    /// <summary>
    /// Gets the clock that times generations: <see cref="GenerationStats"/>, the metrics and spans, and
    /// the measurements <see cref="AdaptiveDraftTokens"/> adapts to. <see langword="null"/>, the default,
    /// is <see cref="System.TimeProvider.System"/>; tests pass a fake one to make timings deterministic.
    /// </summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>
    /// Gets the factory of the <c>FastDraft</c> meter the generator reports metrics through (see
    /// <see cref="FastDraftTelemetry"/>): pass the application's (from dependency injection) so that its
    /// meters are scoped and disposed with it. <see langword="null"/>, the default, uses one meter shared
    /// by every generator in the process.
    /// </summary>
    /// <remarks>The factory is asked for the meter once, when the generator is created; the generator does not dispose it.</remarks>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Gets the pool that keeps the sessions (key/value caches) of finished generations, so that a prompt starting with
    /// tokens a pooled session holds (the conversation so far, a shared system prompt) runs the model only over the rest; see
    /// <see cref="SessionPool"/>. The emitted tokens do not depend on it. <see langword="null"/>, the default, gives every
    /// generation new sessions, disposed when it ends.
    /// </summary>
    /// <remarks>The generator does not own the pool: dispose it after the generations using it have ended, before the models.</remarks>
    public SessionPool? SessionPool { get; init; }

    internal void Validate(string paramName)
    {
        if (DraftConfidenceThreshold is < 0 or > 1 || float.IsNaN(DraftConfidenceThreshold))
        {
            throw new ArgumentOutOfRangeException(paramName, DraftConfidenceThreshold, "DraftConfidenceThreshold must be in [0, 1].");
        }

        if (DraftTokens is < 1 or > MaxDraftTokens)
        {
            throw new ArgumentOutOfRangeException(paramName, DraftTokens, $"DraftTokens must be between 1 and {MaxDraftTokens}.");
        }
    }
}
