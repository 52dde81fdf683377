namespace FastDraft.Training;

/// <summary>
/// Computes the loss of a batch and the gradient of that loss with respect to every parameter. The ONNX
/// Runtime training graph is one implementation; tests use small managed ones.
/// </summary>
internal interface IGradientSource : IDisposable
{
    /// <summary>Gets the parameters this source differentiates, in buffer order.</summary>
    ParameterLayout Layout { get; }

    /// <summary>
    /// Binds the flat buffers once: <paramref name="parameters"/> is read on every <see cref="Compute"/>,
    /// <paramref name="gradients"/> is overwritten by it. Both have <see cref="ParameterLayout.TotalCount"/> elements and
    /// must stay alive (and are pinned by the source) until it is disposed.
    /// </summary>
    void Bind(float[] parameters, float[] gradients);

    /// <summary>Computes the batch's loss and writes d(loss)/d(parameters) into the bound gradient buffer.</summary>
    LossParts Compute(TrainingBatch batch);
}
