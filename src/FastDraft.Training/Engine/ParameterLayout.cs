namespace FastDraft.Training;

/// <summary>The order, shapes and offsets of a model's trainable tensors in one flat buffer.</summary>
public sealed class ParameterLayout
{
    internal ParameterLayout(IReadOnlyList<ParameterTensor> tensors)
    {
        Tensors = tensors;
        long total = 0;
        foreach (ParameterTensor tensor in tensors)
        {
            if (tensor.Offset != total)
            {
                throw new ArgumentException($"Tensor '{tensor.Name}' starts at {tensor.Offset}, expected {total}.", nameof(tensors));
            }

            total += tensor.Count;
        }

        TotalCount = total;
    }

    /// <summary>Gets the tensors in buffer order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>Gets the total number of elements.</summary>
    public long TotalCount { get; }
}
