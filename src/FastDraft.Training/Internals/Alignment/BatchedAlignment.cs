using FastDraft.Internals.Sampling;
using FastDraft.OnnxRuntime;
using FastDraft.OnnxRuntime.Internals.Sessions;

namespace FastDraft.Training;

/// <summary>
/// Alignment records generated together: the rows' prompts run one at a time (each as a one-sequence generation runs
/// it), then every continuation step runs all rows in one pass of shape [rows, 1], so the target's weights are read
/// once per step for all rows. Each row keeps the top-k distribution of the very logits it chose its token from.
/// </summary>
/// <remarks>
/// Each row chooses its tokens with the sampler a one-sequence generation would use (the same seed, the same draws in
/// the same order), so a row's continuation equals the one-sequence generation's token by token wherever the two passes
/// give the same logits; they differ only in the last bits, where a graph pads rows (not GroupQueryAttention) or a
/// kernel rounds a batch of rows differently from one row.
/// </remarks>
internal static class BatchedAlignment
{
    /// <summary>Generates the records planned, in their order.</summary>
    public static GeneratedSequence[] Generate(OnnxCausalLM target, IReadOnlyList<AlignmentRecordPlan> plans, int continuation, int topK, CancellationToken cancellationToken)
    {
        int rows = plans.Count;
        int longest = plans.Max(p => p.Prompt.Length);
        var tokens = new int[rows][];
        var topIds = new int[rows][];
        var topProbabilities = new float[rows][];
        var samplers = new TokenSampler[rows];
        int vocabulary = target.Info.VocabularySize;
        try
        {
            using OnnxBatchSession batch = target.CreateBatchSession(rows, longest, longest + continuation);
            for (int row = 0; row < rows; row++)
            {
                int[] prompt = plans[row].Prompt;
                tokens[row] = new int[prompt.Length + continuation];
                prompt.CopyTo(tokens[row], 0);
                topIds[row] = new int[continuation * topK];
                topProbabilities[row] = new float[continuation * topK];
                samplers[row] = new TokenSampler(plans[row].Request, vocabulary, prompt.Length);
                Choose(row, 0, batch.Prefill(row, prompt, cancellationToken));
            }

            int[] last = new int[rows];
            for (int step = 1; step < continuation; step++)
            {
                for (int row = 0; row < rows; row++)
                {
                    last[row] = tokens[row][plans[row].Prompt.Length + step - 1];
                }

                batch.Step(last, cancellationToken);
                for (int row = 0; row < rows; row++)
                {
                    Choose(row, step, batch.GetLogits(row));
                }
            }
        }
        finally
        {
            foreach (TokenSampler? sampler in samplers)
            {
                sampler?.Dispose();
            }
        }

        return [.. Enumerable.Range(0, rows).Select(row => new GeneratedSequence(tokens[row], plans[row].Prompt.Length, plans[row].Kind, topIds[row], topProbabilities[row]))];

        void Choose(int row, int position, ReadOnlySpan<float> logits)
        {
            int at = plans[row].Prompt.Length + position;
            tokens[row][at] = samplers[row].Choose(logits, tokens[row].AsSpan(0, at));
            if (topK > 0)
            {
                TopK.Softmax(logits, topK, topIds[row].AsSpan(position * topK, topK), topProbabilities[row].AsSpan(position * topK, topK));
            }
        }
    }
}
