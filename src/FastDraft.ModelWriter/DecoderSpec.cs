namespace FastDraft.ModelWriter;

/// <summary>
/// The shape and weights of a Llama-style decoder: token embedding, pre-norm RMSNorm, rotary
/// position embedding, grouped-query attention with a key/value cache, SwiGLU MLP, final
/// RMSNorm and LM head. Weights are seeded per tensor name, so two specs with the same
/// <see cref="Seed"/> share every tensor they have in common (a shallow model shares the embedding,
/// first layers and head of a deeper one).
/// </summary>
public sealed record DecoderSpec
{
    /// <summary>Gets the vocabulary size; default 64.</summary>
    public int VocabularySize { get; init; } = 64;

    /// <summary>Gets the model (residual) width; default 64.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>Gets the number of decoder layers; default 2.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Gets the number of query heads; default 4.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Gets the number of key/value heads, dividing <see cref="Heads"/>; default 2.</summary>
    public int KeyValueHeads { get; init; } = 2;

    /// <summary>Gets the size of each head; default <see cref="HiddenSize"/> / <see cref="Heads"/>.</summary>
    public int? HeadSize { get; init; }

    /// <summary>Gets the SwiGLU hidden size; default 64.</summary>
    public int IntermediateSize { get; init; } = 64;

    /// <summary>Gets the context length (rows of the rotary tables); default 512.</summary>
    public int ContextLength { get; init; } = 512;

    /// <summary>Gets the rotary base; default 10000.</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>
    /// Gets a value indicating whether the LM head is the token embedding (logits = h · Eᵀ, no <c>lm_head.weight</c>);
    /// default false. Small drafts usually tie them: the head is a large share of their parameters.
    /// </summary>
    public bool TiedEmbeddings { get; init; }

    /// <summary>
    /// Gets the ids the LM head scores (a trimmed head, as in FR-Spec), strictly increasing within the vocabulary;
    /// <see langword="null"/> (default) for every id. The head then computes M = <c>HeadTokenIds.Count</c> logits
    /// (untied: <c>lm_head.weight</c> is [hidden, M]; tied: the embedding's rows at these ids), and the model still
    /// outputs <see cref="VocabularySize"/> logits: every other id gets <see cref="TrimmedLogit"/>, which no softmax
    /// or argmax ever picks, so any consumer (ONNX Runtime GenAI included) can run it and a speculative decoder that
    /// drafts with it stays exact. The input embedding stays full-width.
    /// </summary>
    public IReadOnlyList<int>? HeadTokenIds { get; init; }

    /// <summary>The logit of an id outside <see cref="HeadTokenIds"/> in a float32 model: −1e30, whose exp is 0 after any max subtraction and which stays finite under temperature or penalties (float16 models use −65504, their lowest finite value).</summary>
    public const float TrimmedLogit = -1e30f;

    /// <summary>Gets the number of logits the head computes: <see cref="HeadTokenIds"/>' count, or <see cref="VocabularySize"/>.</summary>
    public int HeadWidth => HeadTokenIds?.Count ?? VocabularySize;

    /// <summary>Gets the RMSNorm epsilon; default 1e-5.</summary>
    public float RmsNormEpsilon { get; init; } = 1e-5f;

    /// <summary>Gets the attention flavour of the graph; default <see cref="AttentionKind.GroupQueryAttention"/>.</summary>
    public AttentionKind Attention { get; init; } = AttentionKind.GroupQueryAttention;

    /// <summary>
    /// Gets how weights are stored and activations computed; default <see cref="ModelPrecision.Fp32"/>.
    /// The same spec written at another precision has the same float32 weights before conversion (rounded to
    /// float16, or quantized to 4 bits), so a float32 model is the reference for its int4 and float16 siblings.
    /// </summary>
    public ModelPrecision Precision { get; init; }

    /// <summary>Gets the weight seed; default 1.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Gets the approximate standard deviation of the logits (the LM head's scale); default 4, which keeps greedy choices well separated.</summary>
    public float LogitScale { get; init; } = 4f;

    /// <summary>
    /// Gets the first layer whose residual contributions (attention output and MLP down projections)
    /// are multiplied by <see cref="AttenuationScale"/>; default: none. With a small scale, a deep model
    /// written this way predicts nearly what its first layers alone predict, which makes a shallow
    /// model of the same seed a well-aligned draft for it (a synthetic stand-in for a trained draft).
    /// </summary>
    public int AttenuatedLayersFrom { get; init; } = int.MaxValue;

    /// <summary>Gets the factor applied to the layers from <see cref="AttenuatedLayersFrom"/> on; default 1.</summary>
    public float AttenuationScale { get; init; } = 1f;

    /// <summary>
    /// Gets a value indicating whether the graph returns logits for the last position only
    /// ([batch, 1, vocabulary]), as some exports do to save memory. Such a model can draft but not verify.
    /// </summary>
    public bool LastPositionLogitsOnly { get; init; }

    /// <summary>
    /// Gets the first id that <see cref="PreferenceBias"/> is added to; default: none. For demos: a random
    /// model then mostly emits, say, the whole-word tokens of a written tokenizer rather than raw bytes.
    /// </summary>
    public int PreferredTokensFrom { get; init; } = int.MaxValue;

    /// <summary>Gets the logit bias of the tokens from <see cref="PreferredTokensFrom"/> on; default 0.</summary>
    public float PreferenceBias { get; init; }

    /// <summary>Gets the beginning-of-sequence id written to the configuration; default 1.</summary>
    public int BeginningOfSequenceTokenId { get; init; } = 1;

    /// <summary>Gets the end-of-sequence id written to the configuration; default 2.</summary>
    public int EndOfSequenceTokenId { get; init; } = 2;

    /// <summary>Gets the padding id written to the configuration; default 0.</summary>
    public int PaddingTokenId { get; init; }

    /// <summary>Gets the effective head size.</summary>
    public int EffectiveHeadSize => HeadSize ?? (HiddenSize / Heads);

    /// <summary>Gets the number of weights (parameters) the model has.</summary>
    public long ParameterCount
    {
        get
        {
            long d = EffectiveHeadSize;
            long attention = ((long)HiddenSize * Heads * d) + (2L * HiddenSize * KeyValueHeads * d) + (Heads * d * HiddenSize);
            long mlp = 3L * HiddenSize * IntermediateSize;
            return ((VocabularySize + (TiedEmbeddings ? 0L : HeadWidth)) * HiddenSize) + (Layers * (attention + mlp + (2L * HiddenSize))) + HiddenSize;
        }
    }

    internal void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
            }
        }

        Positive(VocabularySize, nameof(VocabularySize));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(Layers, nameof(Layers));
        Positive(Heads, nameof(Heads));
        Positive(KeyValueHeads, nameof(KeyValueHeads));
        Positive(IntermediateSize, nameof(IntermediateSize));
        Positive(ContextLength, nameof(ContextLength));
        int headSize = EffectiveHeadSize;
        if (Heads % KeyValueHeads != 0 || headSize < 2 || headSize % 2 != 0 || (HeadSize is null && HiddenSize % Heads != 0))
        {
            throw new ArgumentException($"Heads ({Heads}) must be a multiple of KeyValueHeads ({KeyValueHeads}) and the head size ({headSize}) even and at least 2.");
        }

        if (Attention == AttentionKind.GroupQueryAttention && headSize % 16 != 0)
        {
            throw new ArgumentException($"GroupQueryAttention needs a head size that is a multiple of 16; {headSize} is not.");
        }

        if (Precision == ModelPrecision.Fp16 && Attention != AttentionKind.GroupQueryAttention)
        {
            throw new ArgumentException("Fp16 models are written with GroupQueryAttention only.");
        }

        if (!Enum.IsDefined(Precision))
        {
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "Unknown precision.");
        }

        if (Math.Max(Math.Max(BeginningOfSequenceTokenId, EndOfSequenceTokenId), PaddingTokenId) >= VocabularySize)
        {
            throw new ArgumentException($"Special token ids must be below the vocabulary size ({VocabularySize}).");
        }

        if (HeadTokenIds is { } kept)
        {
            if (kept.Count == 0)
            {
                throw new ArgumentException("A trimmed head needs at least one id (HeadTokenIds).");
            }

            for (int i = 0; i < kept.Count; i++)
            {
                if (kept[i] < 0 || kept[i] >= VocabularySize || (i > 0 && kept[i] <= kept[i - 1]))
                {
                    throw new ArgumentException($"HeadTokenIds must be strictly increasing ids below the vocabulary size ({VocabularySize}); entry {i} is {kept[i]}.");
                }
            }

            if (PreferredTokensFrom < VocabularySize && PreferenceBias != 0)
            {
                throw new ArgumentException("A trimmed head has no preference bias; leave PreferenceBias at 0.");
            }
        }
    }
}
