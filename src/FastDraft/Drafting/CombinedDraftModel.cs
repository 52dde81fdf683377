using FastDraft.Internals.Drafting;

namespace FastDraft;

/// <summary>
/// Proposes from prompt lookup and a draft model together, one chain per round: where the context is copying an
/// earlier passage (code being edited, a name repeated, the prompt quoted), lookup's continuation costs no draft
/// pass; elsewhere the draft model proposes, and lookup takes over as soon as the model's tokens lead into a
/// passage it has seen before.
/// </summary>
/// <remarks>
/// <para>
/// At each position of the chain it weighs lookup's continuation, judged by the length of the match behind it
/// (longer matches are copied more faithfully), against the draft model's next token, by the tokens each is
/// expected to have accepted for its cost; how often each source is right is learnt as the generation goes (lookup's
/// continuation is checked against the target's tokens every round, proposed or not) and carried on to the next
/// generation from this draft. The draft model reads the copied tokens in one batched pass before it proposes again,
/// and is rolled back with the target.
/// </para>
/// <para>
/// It is exact as every draft is: the target verifies the chain. Sampling, each position is judged with the
/// distribution it was proposed from (lookup is certain of its tokens, the draft model samples its own). Emitted
/// tokens say which source proposed them (<see cref="TokenSource.Lookup"/> or <see cref="TokenSource.Draft"/>), and
/// <see cref="GenerationStats.LookupTokens"/> counts lookup's share. The generator's adaptive drafting chooses K for the
/// combination. The draft model must choose its tokens through the <see cref="DraftSampler"/> (as
/// <see cref="LanguageModelDraft"/> and ONNX models do). The wrapped drafts are not owned.
/// </para>
/// </remarks>
public sealed class CombinedDraftModel : IDraftModel
{
    private readonly object _gate = new();
    private readonly SourceAcceptance _learnt = new(); // what the last generation that ended learnt, for the next one

    /// <summary>Initializes a draft that combines <paramref name="model"/> with <paramref name="lookup"/>.</summary>
    /// <param name="model">The draft model (an ONNX model, or <see cref="LanguageModelDraft"/>); it must share the target's vocabulary.</param>
    /// <param name="lookup">The prompt lookup; <see langword="null"/> for <see cref="NGramDraftModel"/>'s defaults (n-grams of 3 down to 1).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/> is itself a lookup or a combined draft.</exception>
    public CombinedDraftModel(IDraftModel model, NGramDraftModel? lookup = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is NGramDraftModel or CombinedDraftModel)
        {
            throw new ArgumentException("The model of a combined draft must be a draft model, not a lookup or another combined draft.", nameof(model));
        }

        Model = model;
        Lookup = lookup ?? new NGramDraftModel();
    }

    /// <summary>Gets the draft model.</summary>
    public IDraftModel Model { get; }

    /// <summary>Gets the prompt lookup.</summary>
    public NGramDraftModel Lookup { get; }

    /// <inheritdoc/>
    public int? VocabularySize => Model.VocabularySize;

    /// <inheritdoc/>
    public IDraftSession CreateDraftSession(int capacity)
    {
        var acceptance = new SourceAcceptance();
        lock (_gate)
        {
            acceptance.CopyFrom(_learnt);
        }

        return new CombinedDraftSession(Model.CreateDraftSession(capacity), Lookup, acceptance, Remember);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : Model.GetService(serviceType, serviceKey) ?? Lookup.GetService(serviceType, serviceKey);
    }

    private void Remember(SourceAcceptance acceptance)
    {
        lock (_gate)
        {
            _learnt.CopyFrom(acceptance);
        }
    }
}
