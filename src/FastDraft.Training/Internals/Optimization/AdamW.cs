using System.Numerics.Tensors;

namespace FastDraft.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter) over one flat parameter buffer, in PyTorch's formulation: decoupled
/// weight decay <c>p ← p·(1 − lr·wd)</c> on the tensors that ask for it, then
/// <c>p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)</c>.
/// </summary>
/// <remarks>
/// Works through the buffer in cache-sized chunks with <see cref="TensorPrimitives"/>; the only scratch is
/// one chunk, allocated once. Neighbouring tensors with the same decay flag form one run, so the step is a
/// handful of long vector passes however many tensors the model has.
/// </remarks>
internal sealed class AdamW
{
    private const int ChunkSize = 8192;
    private readonly (int Start, int Count, bool Decay)[] _runs;
    private readonly float[] _scratch = new float[ChunkSize];

    public AdamW(ParameterLayout layout, double beta1, double beta2, double epsilon, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.TotalCount > Array.MaxLength)
        {
            throw new ArgumentException($"The layout has {layout.TotalCount} parameters; at most {Array.MaxLength} fit one buffer.", nameof(layout));
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        FirstMoment = new float[layout.TotalCount];
        SecondMoment = new float[layout.TotalCount];
        var runs = new List<(int Start, int Count, bool Decay)>();
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            int count = checked((int)tensor.Count);
            if (count == 0)
            {
                continue;
            }

            if (runs.Count > 0 && runs[^1].Decay == tensor.WeightDecay)
            {
                runs[^1] = (runs[^1].Start, runs[^1].Count + count, tensor.WeightDecay);
            }
            else
            {
                runs.Add(((int)tensor.Offset, count, tensor.WeightDecay));
            }
        }

        _runs = [.. runs];
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    public double WeightDecay { get; }

    /// <summary>Gets the first-moment estimates m (checkpointed).</summary>
    public float[] FirstMoment { get; }

    /// <summary>Gets the second-moment estimates v (checkpointed).</summary>
    public float[] SecondMoment { get; }

    /// <summary>Applies optimizer step <paramref name="step"/> (1-based, for bias correction).</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, double learningRate, long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        if (parameters.Length != FirstMoment.Length || gradients.Length != FirstMoment.Length)
        {
            throw new ArgumentException($"Expected {FirstMoment.Length} parameters and gradients, got {parameters.Length} and {gradients.Length}.", nameof(parameters));
        }

        float b1 = (float)Beta1;
        float b2 = (float)Beta2;
        double correction1 = 1 - Math.Pow(Beta1, step);
        double correction2 = 1 - Math.Pow(Beta2, step);
        float stepSize = (float)(-learningRate / correction1);
        float inverseRootCorrection2 = (float)(1 / Math.Sqrt(correction2));
        float epsilon = (float)Epsilon;
        float decay = (float)(1 - (learningRate * WeightDecay));
        Span<float> scratch = _scratch;
        foreach ((int runStart, int runCount, bool runDecay) in _runs)
        {
            for (int offset = runStart; offset < runStart + runCount; offset += ChunkSize)
            {
                int n = Math.Min(ChunkSize, runStart + runCount - offset);
                Span<float> p = parameters.Slice(offset, n);
                ReadOnlySpan<float> g = gradients.Slice(offset, n);
                Span<float> m = FirstMoment.AsSpan(offset, n);
                Span<float> v = SecondMoment.AsSpan(offset, n);
                Span<float> s = scratch[..n];

                // m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
                TensorPrimitives.Multiply(m, b1, m);
                TensorPrimitives.MultiplyAdd(g, 1 - b1, m, m);
                TensorPrimitives.Multiply(g, g, s);
                TensorPrimitives.Multiply(v, b2, v);
                TensorPrimitives.MultiplyAdd(s, 1 - b2, v, v);

                // denominator √v / √(1 − β₂ᵗ) + ε, then the update m / denominator.
                TensorPrimitives.Sqrt(v, s);
                TensorPrimitives.Multiply(s, inverseRootCorrection2, s);
                TensorPrimitives.Add(s, epsilon, s);
                TensorPrimitives.Divide(m, s, s);
                if (runDecay && decay != 1f)
                {
                    TensorPrimitives.Multiply(p, decay, p);
                }

                TensorPrimitives.MultiplyAdd(s, stepSize, p, p);
            }
        }
    }
}
