namespace FastDraft.Evaluation;

/// <summary>What <see cref="PairEvaluator"/> measures and how long; immutable, changed with <c>with</c>.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Gets the tokens generated per prompt (end-of-sequence is ignored, so every mode generates as many); at least 2; default 64.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Gets the number of interleaved repetitions; at least 1; default 3.</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>Gets K of the headline fixed-K mode of each proposer (always part of the sweep); default 4.</summary>
    public int DraftTokens { get; init; } = 4;

    /// <summary>Gets the values of K swept with a fixed draft length; the adaptive mode drafts up to the largest; default 1, 2, 4, 6, 8.</summary>
    public IReadOnlyList<int> DraftTokenSweep { get; init; } = [1, 2, 4, 6, 8];

    /// <summary>Gets the sampling temperature: 0 (the default) decodes greedily and gates on identical tokens; above 0 gates on the target's log-probability of the output.</summary>
    public float Temperature { get; init; }

    /// <summary>Gets the first seed of sampled generations (see <see cref="ScheduleOptions.Seed"/>).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Gets the price of one CPU core-hour (any currency) for the cost per million tokens; <see langword="null"/> leaves money out.</summary>
    public double? PricePerCoreHour { get; init; }

    /// <summary>
    /// Gets the confidence of the sampling gate, shared among the modes compared (Bonferroni): each mode's
    /// interval is at 1 − (1 − confidence) / modes, so that a correct implementation fails the gate with at
    /// most this complement of probability. Default 0.99.
    /// </summary>
    public double QualityConfidence { get; init; } = 0.99;

    /// <summary>Gets the values of K measured: the sweep and <see cref="DraftTokens"/>, ascending.</summary>
    internal int[] AllDraftTokens => [.. DraftTokenSweep.Append(DraftTokens).Distinct().Order()];

    internal void Validate()
    {
        static void Check(bool valid, string message)
        {
            if (!valid)
            {
                throw new ArgumentException(message);
            }
        }

        Check(MaxNewTokens >= 2, $"MaxNewTokens must be at least 2 (decoding speed is measured after the first token); got {MaxNewTokens}.");
        Check(Repetitions >= 1, $"Repetitions must be at least 1; got {Repetitions}.");
        Check(DraftTokenSweep is not null && DraftTokenSweep.Append(DraftTokens).All(k => k is >= 1 and <= SpeculativeOptions.MaxDraftTokens), $"Every K must be between 1 and {SpeculativeOptions.MaxDraftTokens}.");
        Check(Temperature == 0 || Temperature is >= 1e-6f and <= float.MaxValue, $"Temperature must be 0 (greedy) or a positive number; got {Temperature}.");
        Check(PricePerCoreHour is null || (PricePerCoreHour >= 0 && double.IsFinite(PricePerCoreHour.Value)), $"The price per core-hour must be a finite number of at least 0; got {PricePerCoreHour}.");
        Check(QualityConfidence is > 0 and < 1, $"QualityConfidence must be in (0, 1); got {QualityConfidence}.");
    }
}

/// <summary>Something that proposes tokens for the target, under a name: a draft model or an n-gram lookup.</summary>
/// <remarks>The proposer never disposes its models: whoever loaded them does, after the evaluation.</remarks>
public sealed class Proposer
{
    private Proposer(string name, IDraftModel draft, ITargetModel? model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Draft = draft ?? throw new ArgumentNullException(nameof(draft));
        Model = model;
    }

    /// <summary>Gets the name modes and reports use (<c>draft</c>, <c>ngram-3</c>, ...).</summary>
    public string Name { get; }

    /// <summary>Gets the draft the generator uses.</summary>
    public IDraftModel Draft { get; }

    /// <summary>Gets the draft as a model, for timing its steps (c); <see langword="null"/> for a proposer without a model.</summary>
    public ITargetModel? Model { get; }

    /// <summary>Creates a proposer from a draft language model.</summary>
    /// <param name="name">The proposer's name.</param>
    /// <param name="model">The draft model (for an ONNX model, the loaded <c>OnnxCausalLM</c>).</param>
    /// <returns>The proposer.</returns>
    public static Proposer FromModel(string name, ITargetModel model) => new(name, (model ?? throw new ArgumentNullException(nameof(model))).AsDraft(), model);

    /// <summary>Creates an n-gram proposer (prompt lookup, no model) named <c>ngram-N</c>.</summary>
    /// <param name="maxNgramSize">The longest n-gram matched, at least 1.</param>
    /// <returns>The proposer.</returns>
    public static Proposer NGram(int maxNgramSize) => new($"ngram-{maxNgramSize}", new NGramDraftModel(maxNgramSize), null);

    /// <summary>Creates a proposer from any draft.</summary>
    /// <param name="name">The proposer's name.</param>
    /// <param name="draft">The draft.</param>
    /// <param name="model">The draft as a model, for timing its steps; <see langword="null"/> when it has none.</param>
    /// <returns>The proposer.</returns>
    public static Proposer Create(string name, IDraftModel draft, ITargetModel? model = null) => new(name, draft, model);
}
