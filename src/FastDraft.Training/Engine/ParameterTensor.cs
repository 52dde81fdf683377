namespace FastDraft.Training;

/// <summary>One trainable tensor inside the flat parameter buffer.</summary>
/// <param name="Name">The tensor's name, the same as the initializer name the inference writer uses (for example <c>model.layers.0.mlp.up_proj.weight</c>).</param>
/// <param name="Shape">The tensor's shape.</param>
/// <param name="Offset">The index of its first element in the flat buffer.</param>
/// <param name="WeightDecay">Whether AdamW's decoupled weight decay applies (matrices yes; norm gains no).</param>
public sealed record ParameterTensor(string Name, int[] Shape, long Offset, bool WeightDecay)
{
    /// <summary>Gets the number of elements.</summary>
    public long Count
    {
        get
        {
            long count = 1;
            foreach (int dimension in Shape)
            {
                count *= dimension;
            }

            return count;
        }
    }
}
