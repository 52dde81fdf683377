using FastDraft.ModelWriter.Protobuf;

namespace FastDraft.Training.Graph;

/// <summary>
/// The LM head, the loss and their backward, in chunks of tokens so that no [B·T, V] tensor is ever materialised: each
/// chunk's logits, log-probabilities, probabilities and logit gradient ([C, V]) are dead before the next chunk starts.
/// </summary>
internal sealed partial class TrainingGraphWriter
{
    /// <summary>
    /// Cross-entropy of the targets and KL(teacher ‖ model) over the teacher's kept entries, each the mean over masked
    /// positions, with d(loss)/d(logits) = w · (softmax(z)·(1 + λ·Σp) − onehot(target) − λ·Σₖ pₖ·onehot(idₖ)), w = mask / count,
    /// taken back through the head chunk by chunk.
    /// </summary>
    /// <param name="hidden">The final norm's output [N, H].</param>
    /// <param name="head">The tied embedding [V, H] or the untied head [H, V] (trimmed: its M kept rows [M, H], or [H, M]).</param>
    /// <param name="headGradientOutput">The name the head's gradient is produced under (a graph output when untied), or null.</param>
    /// <returns>d(loss)/d(hidden) [N, H] and the head's gradient (the tied embedding's head part, or the named head gradient).</returns>
    private (string DHidden, string HeadGradient) HeadAndLoss(string hidden, string head, string? headGradientOutput)
    {
        OnnxGraphBuilder g = _o.Builder;
        bool tied = _spec.TiedEmbeddings;
        int chunk = _options.ChunkTokens(_n, _spec.HeadWidth);
        string targets = _o.Reshape(TargetIds, _n, 1);
        string mask = _o.Reshape(LossMask, _n, 1);
        string count = _o.Node("Max", _o.ReduceSum(mask, false, 0, 1), _o.Scalar(1));
        string weight = _o.Div(mask, count);

        // Per position, no vocabulary axis: the columns the one-hot terms pull down, by how much, and the softmax's scale.
        // Without soft targets: onehot(t)·w and softmax·w; with them: [t | i₁..i_K] by [1 | λp₁..λp_K]·w and softmax·w·(1 + λ·Σp).
        string columns = targets;
        string pulls = _o.Neg(weight);
        string rowScale = weight;
        string? ids = null;
        string? p = null;
        string? teacherLog = null;
        if (_options.SoftTopK > 0)
        {
            int k = _options.SoftTopK;
            ids = _o.Reshape(SoftIds, _n, k);
            p = _o.Reshape(SoftProbs, _n, k);

            // p·log p is 0 at p = 0; the floor keeps the log finite there.
            teacherLog = _o.Node("Log", _o.Node("Max", p, _o.Scalar(1e-30)));
            string ones = _o.Node("Expand", _o.Scalar(1), _o.Shape([_n, 1]));
            columns = _o.Concat(1, targets, ids);
            pulls = _o.Neg(_o.Mul(_o.Concat(1, ones, _o.Mul(KlWeight, p)), weight));
            rowScale = _o.Mul(weight, _o.Add(_o.Scalar(1), _o.Mul(KlWeight, _o.ReduceSum(p, true, 1))));
        }

        string? ce = null;
        string? kl = null;
        string? headGradient = null;
        string? token = null;
        var dHidden = new List<string>();
        var logits = new List<string>();
        for (int start = 0; start < _n; start += chunk)
        {
            int end = Math.Min(_n, start + chunk);
            bool last = end == _n;

            // Every node of this chunk waits for the previous chunk's results (a zero added to its rows), so any
            // topological order ONNX Runtime picks finishes one chunk, and frees its [C, V] tensors, before the next.
            string h = Rows(hidden, start, end);
            h = token is null ? h : _o.Add(h, token);
            string z = tied ? _o.Gemm(h, head, transB: true) : _o.MatMul(h, head);
            if (_options.OutputLogits)
            {
                logits.Add(z);
            }

            string logProbabilities = _o.Node("LogSoftmax", [z], OnnxAttribute.Of("axis", -1L));
            string w = Rows(weight, start, end);
            string targetLog = _o.Node("GatherElements", [logProbabilities, Rows(targets, start, end)], OnnxAttribute.Of("axis", 1L));
            ce = Accumulate(ce, _o.ReduceSum(_o.Mul(targetLog, w), false, 0, 1));
            if (ids is not null)
            {
                string pc = Rows(p!, start, end);
                string modelLog = _o.Node("GatherElements", [logProbabilities, Rows(ids, start, end)], OnnxAttribute.Of("axis", 1L));
                string perPosition = _o.ReduceSum(_o.Mul(pc, _o.Sub(Rows(teacherLog!, start, end), modelLog)), true, 1);
                kl = Accumulate(kl, _o.ReduceSum(_o.Mul(perPosition, w), false, 0, 1));
            }

            // d(loss)/dz for the chunk: softmax scaled per row, the one-hot pulls added in place by one scatter (ids may
            // repeat or include the target).
            string scaled = _o.Mul(_o.Node("Exp", logProbabilities), Rows(rowScale, start, end));
            string dz = Hook(
                "loss",
                _o.Node("ScatterElements", [scaled, Rows(columns, start, end), Rows(pulls, start, end)], OnnxAttribute.Of("axis", 1L), OnnxAttribute.Of("reduction", "add")),
                scaled,
                Rows(columns, start, end),
                Rows(pulls, start, end));

            // The head: dh = dz·Eᵀ-side, and the head's gradient accumulated over chunks (Gemm's C input, β = 1).
            dHidden.Add(tied ? _o.MatMul(dz, head) : _o.Gemm(dz, head, transB: true));
            string? named = last ? headGradientOutput : null;
            string[] operands = tied ? [dz, h] : [h, dz];
            if (headGradient is null)
            {
                headGradient = _o.Gemm(operands[0], operands[1], transA: true, output: named);
            }
            else if (_options.BackwardHook is null)
            {
                headGradient = _o.Gemm(operands[0], operands[1], transA: true, accumulate: headGradient, output: named);
            }
            else
            {
                // Tests only: the hooked accumulation, then named by a copy.
                string hooked = Hook("head", _o.Gemm(operands[0], operands[1], transA: true, accumulate: headGradient), headGradient, operands[0], operands[1]);
                headGradient = named is null ? hooked : _o.Named("Identity", [hooked], named);
            }
            if (!last)
            {
                string pending = _o.Add(_o.Add(Corner(headGradient), Corner(dHidden[^1])), kl is null ? ce : _o.Add(ce, kl));
                token = _o.Mul(pending, _o.Scalar(0));
            }
        }

        string crossEntropy = _o.Neg(ce!);
        g.Node("Identity", [crossEntropy], [CrossEntropy], string.Empty);
        if (kl is null)
        {
            g.Node("Identity", [crossEntropy], [Loss], string.Empty);
            g.Node("Identity", [_o.Scalar(0)], [KullbackLeibler], string.Empty);
        }
        else
        {
            g.Node("Identity", [kl], [KullbackLeibler], string.Empty);
            g.Node("Add", [crossEntropy, _o.Mul(KlWeight, kl)], [Loss], string.Empty);
        }

        if (_options.OutputLogits)
        {
            string all = logits.Count == 1 ? logits[0] : _o.Concat(0, [.. logits]);
            g.Node("Reshape", [all, _o.Shape([_b, _t, _spec.HeadWidth])], [Logits], string.Empty);
        }

        return (dHidden.Count == 1 ? dHidden[0] : _o.Concat(0, [.. dHidden]), headGradient!);
    }

    /// <summary>Rows [start, end) of a 2-D tensor (the whole tensor when that is all of it).</summary>
    private string Rows(string x, int start, int end) =>
        start == 0 && end == _n ? x : _o.Node("Slice", [x, _o.Shape([start]), _o.Shape([end]), _o.Shape([0])]);

    /// <summary>Element [0, 0] of a 2-D tensor, as [1, 1].</summary>
    private string Corner(string x) => _o.Node("Slice", [x, _o.Shape([0, 0]), _o.Shape([1, 1]), _o.Shape([0, 1])]);

    private string Accumulate(string? total, string part) => total is null ? part : _o.Add(total, part);
}
