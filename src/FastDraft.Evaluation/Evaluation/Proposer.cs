namespace FastDraft.Evaluation;

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
