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
/// masked positions), <c>grad.{name}</c> per parameter, and optionally <c>logits</c> [B, T, V]. Activations are kept 2-D
/// ([B·T, features]) so every weight gradient is one Gemm over all tokens.
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
        string logits = _spec.TiedEmbeddings
            ? _o.Gemm(final.Y, embedding, transB: true)
            : _o.MatMul(final.Y, DecoderParameters.Head);
        if (_options.OutputLogits)
        {
            _o.Builder.Node("Reshape", [logits, _o.Shape([_b, _t, _spec.VocabularySize])], [Logits], string.Empty);
        }

        // Loss and its gradient with respect to the logits.
        string dLogits = LossAndLogitGradient(logits);

        // Backward: head, final norm, layers in reverse, embedding.
        string dHidden;
        string? headEmbeddingGradient = null;
        if (_spec.TiedEmbeddings)
        {
            headEmbeddingGradient = _o.Gemm(dLogits, final.Y, transA: true);
            dHidden = _o.MatMul(dLogits, embedding);
        }
        else
        {
            gradients[DecoderParameters.Head] = _o.Gemm(final.Y, dLogits, transA: true, output: GradientName(DecoderParameters.Head));
            dHidden = _o.Gemm(dLogits, DecoderParameters.Head, transB: true);
        }

        string dx = RmsNormBackward(final, dHidden, gradients);
        for (int layer = _spec.Layers - 1; layer >= 0; layer--)
        {
            dx = LayerBackward(layers[layer], dx, gradients);
        }

        // Embedding lookup: scatter-add of the row gradients into a zero table.
        string zeros = _o.Node("Expand", _o.Scalar(0), _o.Shape([_spec.VocabularySize, _spec.HiddenSize]));
        string embeddingGradient = GradientName(embedding);
        string ids = _o.Reshape(InputIds, _n, 1);
        string? named = headEmbeddingGradient is null ? embeddingGradient : null;
        string dEmbedding = _options.BackwardHook is null
            ? _o.Named("ScatterND", [zeros, ids, dx], named, OnnxAttribute.Of("reduction", "add"))
            : HookedEmbedding(zeros, ids, dx, named); // tests only: the hooked rule, then named by a copy
        gradients[embedding] = headEmbeddingGradient is null ? dEmbedding : _o.Named("Add", [dEmbedding, headEmbeddingGradient], embeddingGradient);

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
            g.Value(false, Logits, element, _b, _t, _spec.VocabularySize);
        }
    }

    /// <summary>
    /// Cross-entropy of the targets and KL(teacher ‖ model) over the teacher's kept entries, each the mean over masked
    /// positions; returns d(loss)/d(logits) = w · (softmax(z)·(1 + λ·Σp) − onehot(target) − λ·Σₖ pₖ·onehot(idₖ)), w = mask / count.
    /// </summary>
    private string LossAndLogitGradient(string logits)
    {
        OnnxGraphBuilder g = _o.Builder;
        string logProbabilities = _o.Node("LogSoftmax", [logits], OnnxAttribute.Of("axis", -1L));
        string probabilities = _o.Node("Exp", logProbabilities);
        string targets = _o.Reshape(TargetIds, _n, 1);
        string mask = _o.Reshape(LossMask, _n, 1);
        string count = _o.Node("Max", _o.ReduceSum(mask, false, 0, 1), _o.Scalar(1));
        string weight = _o.Div(mask, count);
        string targetLogProbability = _o.Node("GatherElements", [logProbabilities, targets], OnnxAttribute.Of("axis", 1L));
        string ce = _o.Neg(_o.ReduceSum(_o.Mul(targetLogProbability, weight), false, 0, 1));
        g.Node("Identity", [ce], [CrossEntropy], string.Empty);

        string dLogits;
        string ones = _o.Node("Expand", _o.Scalar(1), _o.Shape([_n, 1]));
        if (_options.SoftTopK == 0)
        {
            g.Node("Identity", [ce], [Loss], string.Empty);
            g.Node("Identity", [_o.Scalar(0)], [KullbackLeibler], string.Empty);
            dLogits = _o.Mul(_o.Sub(probabilities, ScatterAdd(targets, ones)), weight);
        }
        else
        {
            int k = _options.SoftTopK;
            string ids = _o.Reshape(SoftIds, _n, k);
            string p = _o.Reshape(SoftProbs, _n, k);
            string modelLog = _o.Node("GatherElements", [logProbabilities, ids], OnnxAttribute.Of("axis", 1L));

            // p·log p is 0 at p = 0; the floor keeps the log finite there.
            string teacherLog = _o.Node("Log", _o.Node("Max", p, _o.Scalar(1e-30)));
            string perPosition = _o.ReduceSum(_o.Mul(p, _o.Sub(teacherLog, modelLog)), true, 1);
            string kl = _o.ReduceSum(_o.Mul(perPosition, weight), false, 0, 1);
            g.Node("Identity", [kl], [KullbackLeibler], string.Empty);
            g.Node("Add", [ce, _o.Mul(KlWeight, kl)], [Loss], string.Empty);

            // onehot(target) + λ·Σₖ pₖ·onehot(idₖ) in one scatter-add (ids may repeat or include the target).
            string pull = ScatterAdd(_o.Concat(1, targets, ids), _o.Concat(1, ones, _o.Mul(KlWeight, p)));
            string mass = _o.Add(_o.Scalar(1), _o.Mul(KlWeight, _o.ReduceSum(p, true, 1)));
            dLogits = _o.Mul(_o.Sub(_o.Mul(probabilities, mass), pull), weight);
        }

        return dLogits;
    }

    /// <summary>The embedding's scatter-add passed through <see cref="TrainingGraphOptions.BackwardHook"/>, named by an Identity when it is a graph output.</summary>
    private string HookedEmbedding(string zeros, string ids, string rows, string? output)
    {
        string scattered = Hook("embedding", _o.Node("ScatterND", [zeros, ids, rows], OnnxAttribute.Of("reduction", "add")), zeros, ids, rows);
        return output is null ? scattered : _o.Named("Identity", [scattered], output);
    }

    /// <summary>A [N, V] tensor of zeros with <paramref name="updates"/> [N, M] added at columns <paramref name="ids"/> [N, M].</summary>
    private string ScatterAdd(string ids, string updates) =>
        _o.Node(
            "ScatterElements",
            [_o.Node("Expand", _o.Scalar(0), _o.Shape([_n, _spec.VocabularySize])), ids, updates],
            OnnxAttribute.Of("axis", 1L),
            OnnxAttribute.Of("reduction", "add"));
}
