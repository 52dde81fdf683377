using System.Numerics.Tensors;

namespace FastDraft.Training;

/// <summary>Accumulation and clipping over flat gradient buffers.</summary>
internal static class GradientMath
{
    /// <summary>
    /// Adds one micro-batch's gradient to the accumulator, weighted by its counted positions: each gradient is
    /// of a micro-batch's <em>mean</em> loss, so weighting by counts and dividing by the total (<see cref="Finish"/>)
    /// gives exactly the gradient of the mean over every counted position of the step.
    /// </summary>
    public static void Accumulate(ReadOnlySpan<float> gradient, float weight, Span<float> accumulator, bool first)
    {
        if (first)
        {
            TensorPrimitives.Multiply(gradient, weight, accumulator);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(gradient, weight, accumulator, accumulator);
        }
    }

    /// <summary>Divides the accumulated sum by the total weight.</summary>
    public static void Finish(Span<float> accumulator, double totalWeight)
    {
        if (totalWeight > 0)
        {
            TensorPrimitives.Multiply(accumulator, (float)(1 / totalWeight), accumulator);
        }
    }

    /// <summary>
    /// Scales the gradient so its global L2 norm is at most <paramref name="maxNorm"/> (PyTorch's
    /// <c>clip_grad_norm_</c>: coefficient <c>maxNorm / (norm + 1e-6)</c> when below 1) and returns the norm before clipping.
    /// </summary>
    public static double ClipGlobalNorm(Span<float> gradient, double maxNorm)
    {
        double norm = TensorPrimitives.Norm(gradient);
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1)
        {
            TensorPrimitives.Multiply(gradient, (float)coefficient, gradient);
        }

        return norm;
    }
}
