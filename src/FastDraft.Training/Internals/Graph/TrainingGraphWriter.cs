using FastDraft.ModelWriter;
using FastDraft.ModelWriter.Protobuf;
using FastDraft.OnnxRuntime.Internals.Protobuf;

namespace FastDraft.Training.Graph;

/// <summary>
/// Writes the training graph of a <see cref="DecoderSpec"/>: the forward pass of the inference graph
/// <see cref="LlamaModelWriter"/> writes (same operators, rotary convention and head order), the loss, and the backward
/// pass written out by hand with standard ONNX operators (derivations in GRADIENTS.md beside this file).
/// </summary>
/// <remarks>
/// Inputs: <c>input_ids</c>, <c>target_ids</c> int64 [B, T]; <c>loss_mask</c> [B, T]; with soft targets <c>soft_ids</c> int64
/// [B, T, K], <c>soft_probs</c> [B, T, K] and the scalar <c>kl_weight</c>; then one input per parameter (names and order of
/// <see cref="DecoderParameters.Layout"/>). Outputs: the scalars <c>loss</c>, <c>ce_loss</c>, <c>kl_loss</c> (means over the
/// masked positions), <c>grad.{name}</c> per parameter, and optionally <c>logits</c> [B, T, V]. With a trimmed head
/// (<see cref="DecoderSpec.HeadTokenIds"/>, M ids) the head and loss work over M columns: target and teacher ids are
/// column indices in [0, M) (<see cref="HeadVocabulary"/> maps a batch's token ids to them) and <c>logits</c> is [B, T, M]. Activations are kept 2-D
/// ([B·T, features]) so every weight gradient is one Gemm over all tokens, except the head's: the head and the loss run
/// in chunks of <see cref="TrainingGraphOptions.ChunkTokens"/> tokens, so no [B·T, V] tensor exists (see GRADIENTS.md).
/// </remarks>
internal sealed partial class TrainingGraphWriter
{
    public const string InputIds = "input_ids";
    public const string TargetIds = "target_ids";
    public const string LossMask = "loss_mask";
    public const string SoftIds = "soft_ids";
    public const string SoftProbs = "soft_probs";
    public const string KlWeight = "kl_weight";
    public const string Loss = "loss";
    public const string CrossEntropy = "ce_loss";
    public const string KullbackLeibler = "kl_loss";
    public const string Logits = "logits";

    private readonly DecoderSpec _spec;
    private readonly TrainingGraphOptions _options;
    private readonly GraphOps _o;
    private readonly int _b;
    private readonly int _t;
    private readonly int _n;
    private readonly int _d;
    private readonly int _groups;
    private readonly string _eps;

    private TrainingGraphWriter(DecoderSpec spec, TrainingGraphOptions options, OnnxGraphBuilder g)
    {
        _spec = spec;
        _options = options;
        _o = new GraphOps(g, options.DoublePrecision);
        _b = options.BatchSize;
        _t = options.SequenceLength;
        _n = _b * _t;
        _d = spec.EffectiveHeadSize;
        _groups = spec.Heads / spec.KeyValueHeads;
        _eps = _o.Scalar(spec.RmsNormEpsilon);
    }

    /// <summary>Gets the name of a parameter's gradient output.</summary>
    public static string GradientName(string parameter) => "grad." + parameter;

    /// <summary>Writes the training graph to <paramref name="path"/> (its larger constants to <c>{path}.data</c>).</summary>
    public static void Write(DecoderSpec spec, TrainingGraphOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        spec.Validate();
        options.Validate();
        if (spec.PreferredTokensFrom < spec.VocabularySize && spec.PreferenceBias != 0)
        {
            throw new ArgumentException("A trained model has no fixed logit bias; leave PreferenceBias at 0.", nameof(spec));
        }

        if (options.SequenceLength > spec.ContextLength)
        {
            throw new ArgumentException($"The sequence length ({options.SequenceLength}) exceeds the context length ({spec.ContextLength}).", nameof(options));
        }

        string fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        using var g = new OnnxGraphBuilder(fullPath + ".data");
        g.Opset(string.Empty, 17);
        new TrainingGraphWriter(spec, options, g).Build();
        g.Save(path, "fastdraft_llama_training", "FastDraft.Training");
    }

    private void Build()
    {
        ParameterLayout layout = DecoderParameters.Layout(_spec);
        DeclareValues(layout);
        string embedding = DecoderParameters.Embedding;
        var gradients = new Dictionary<string, string>();

        // Forward.
        string x = _o.Node("Gather", embedding, _o.Reshape(InputIds, _n));
        var layers = new LayerState[_spec.Layers];
        for (int layer = 0; layer < _spec.Layers; layer++)
        {
            layers[layer] = LayerForward(layer, x);
            x = layers[layer].Output;
        }

        Norm final = RmsNorm(x, DecoderParameters.FinalNorm);

        // Head, loss and their backward, in chunks of tokens.
        string? headEmbeddingGradient = null;
        string dHidden;
        if (_spec.TiedEmbeddings && _spec.HeadTokenIds is { } kept)
        {
            // A trimmed tied head reads the embedding's kept rows; their gradient goes back to those rows (ids are distinct).
            string keptIds = _o.Shape([.. kept.Select(id => (long)id)]);
            (dHidden, string rowsGradient) = HeadAndLoss(final.Y, _o.Node("Gather", embedding, keptIds), null);
            string zeros = _o.Node("Expand", _o.Scalar(0), _o.Shape([_spec.VocabularySize, _spec.HiddenSize]));
            string rowIds = _o.Reshape(keptIds, kept.Count, 1);
            headEmbeddingGradient = Hook("trimmed-head", _o.Node("ScatterND", zeros, rowIds, rowsGradient), zeros, rowIds, rowsGradient);
        }
        else if (_spec.TiedEmbeddings)
        {
            (dHidden, headEmbeddingGradient) = HeadAndLoss(final.Y, embedding, null);
        }
        else
        {
            (dHidden, gradients[DecoderParameters.Head]) = HeadAndLoss(final.Y, DecoderParameters.Head, GradientName(DecoderParameters.Head));
        }

        // Backward: final norm, layers in reverse, embedding.
        string dx = RmsNormBackward(final, dHidden, gradients);
        for (int layer = _spec.Layers - 1; layer >= 0; layer--)
        {
            dx = LayerBackward(layers[layer], dx, gradients);
        }

        // Embedding lookup: scatter-add of the row gradients into a zero table, or into the tied head's part of the gradient.
        string table = headEmbeddingGradient ?? _o.Node("Expand", _o.Scalar(0), _o.Shape([_spec.VocabularySize, _spec.HiddenSize]));
        string embeddingGradient = GradientName(embedding);
        string ids = _o.Reshape(InputIds, _n, 1);
        gradients[embedding] = _options.BackwardHook is null
            ? _o.Named("ScatterND", [table, ids, dx], embeddingGradient, OnnxAttribute.Of("reduction", "add"))
            : HookedEmbedding(table, ids, dx, embeddingGradient); // tests only: the hooked rule, then named by a copy

        // Every gradient output is produced by name by the last node of its rule (no copies).
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            if (gradients[tensor.Name] != GradientName(tensor.Name))
            {
                throw new InvalidOperationException($"The gradient of '{tensor.Name}' was not produced as a graph output.");
            }
        }
    }

    private void DeclareValues(ParameterLayout layout)
    {
        OnnxGraphBuilder g = _o.Builder;
        int element = _o.ElementType;
        g.Value(true, InputIds, OnnxDataType.Int64, _b, _t);
        g.Value(true, TargetIds, OnnxDataType.Int64, _b, _t);
        g.Value(true, LossMask, element, _b, _t);
        if (_options.SoftTopK > 0)
        {
            g.Value(true, SoftIds, OnnxDataType.Int64, _b, _t, _options.SoftTopK);
            g.Value(true, SoftProbs, element, _b, _t, _options.SoftTopK);
            g.Value(true, KlWeight, element);
        }

        foreach (ParameterTensor tensor in layout.Tensors)
        {
            g.Value(true, tensor.Name, element, tensor.Shape.Cast<object>().ToArray());
        }

        g.Value(false, Loss, element);
        g.Value(false, CrossEntropy, element);
        g.Value(false, KullbackLeibler, element);
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            g.Value(false, GradientName(tensor.Name), element, tensor.Shape.Cast<object>().ToArray());
        }

        if (_options.OutputLogits)
        {
            g.Value(false, Logits, element, _b, _t, _spec.HeadWidth);
        }
    }

    /// <summary>The embedding's scatter-add passed through <see cref="TrainingGraphOptions.BackwardHook"/>, named by an Identity when it is a graph output.</summary>
    private string HookedEmbedding(string table, string ids, string rows, string output)
    {
        string scattered = Hook("embedding", _o.Node("ScatterND", [table, ids, rows], OnnxAttribute.Of("reduction", "add")), table, ids, rows);
        return _o.Named("Identity", [scattered], output);
    }
}
