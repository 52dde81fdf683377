using FastDraft.ModelWriter;

namespace FastDraft.Training.Graph;

/// <summary>
/// The columns of a trimmed LM head (<see cref="DecoderSpec.HeadTokenIds"/>): maps a batch's target and teacher token ids to
/// head columns, which is what the training graph of a trimmed head takes.
/// </summary>
/// <remarks>
/// A position whose target id is outside the kept set is left out of the loss (its mask becomes 0, so it leaves the mean's
/// count too): the head cannot score it. Teacher entries outside the kept set get probability 0, and the kept ones are
/// rescaled to the position's original teacher mass: p′ₖ = pₖ · (Σ all p) / (Σ kept p), the teacher's distribution
/// conditioned on the kept set. A draft confined to the kept set S accepts at most Σ_{x∈S} p(x) of the target's mass,
/// and reaches that bound exactly when q(x) ≥ p(x) on S, which the conditioned teacher satisfies. Input ids are not mapped:
/// the embedding stays full-width.
/// </remarks>
internal sealed class HeadVocabulary
{
    private readonly int[] _columns;

    private HeadVocabulary(DecoderSpec spec, IReadOnlyList<int> kept)
    {
        _columns = new int[spec.VocabularySize];
        Array.Fill(_columns, -1);
        for (int column = 0; column < kept.Count; column++)
        {
            _columns[kept[column]] = column;
        }
    }

    /// <summary>Returns the map of a trimmed spec, or <see langword="null"/> when its head scores every id.</summary>
    public static HeadVocabulary? For(DecoderSpec spec) => spec.HeadTokenIds is { } kept ? new HeadVocabulary(spec, kept) : null;

    /// <summary>Gets the head column of a token id, or −1 when the head does not score it.</summary>
    public int Column(long id) => (ulong)id < (ulong)_columns.Length ? _columns[id] : -1;

    /// <summary>Writes a batch's targets, mask and teacher entries in head columns into the destinations (same lengths as the batch's arrays).</summary>
    public void Map(TrainingBatch batch, Span<long> targets, Span<float> mask, Span<long> softIds, Span<float> softProbabilities)
    {
        int k = batch.SoftTopK;
        for (int position = 0; position < batch.TargetIds.Length; position++)
        {
            int target = Column(batch.TargetIds[position]);
            targets[position] = Math.Max(target, 0);
            mask[position] = target < 0 ? 0f : batch.LossMask[position];
            if (k == 0)
            {
                continue;
            }

            float all = 0;
            float kept = 0;
            for (int entry = position * k; entry < (position + 1) * k; entry++)
            {
                int column = Column(batch.SoftIds[entry]);
                float p = batch.SoftProbabilities[entry];
                all += p;
                kept += column < 0 ? 0 : p;
                softIds[entry] = Math.Max(column, 0);
                softProbabilities[entry] = column < 0 ? 0 : p;
            }

            if (kept > 0 && kept < all)
            {
                float scale = all / kept;
                for (int entry = position * k; entry < (position + 1) * k; entry++)
                {
                    softProbabilities[entry] *= scale;
                }
            }
        }
    }
}
