using System.Numerics.Tensors;
using FastDraft.ModelWriter;

namespace FastDraft.Training;

/// <summary>
/// A draft's token embedding started from the target's: the target's embedding rows projected onto their top principal
/// directions (as many as the draft is wide), scaled to the draft's usual initial scale.
/// </summary>
/// <remarks>
/// In float64: the rows' covariance (width × width), then subspace iteration (multiply, re-orthonormalize) from a seeded
/// start, then a Rayleigh–Ritz step (the small projected matrix diagonalized by Jacobi rotations) that orders the
/// directions by variance. The projection keeps the geometry of the target's embedding (which tokens lie close, along
/// which directions they differ most); its scale is set so the entries' root mean square equals the draft's usual
/// initial standard deviation, since the training schedule (learning rate, weight decay, the tied head's logits) is
/// tuned for that scale, not for whatever scale the target's weights have.
/// </remarks>
internal static class EmbeddingPca
{
    private const int Iterations = 60;

    /// <summary>The top <paramref name="count"/> principal directions of the rows of <paramref name="embedding"/> ([rows, width]), orthonormal, most variance first, as rows of a [count, width] array; and the rows' mean.</summary>
    public static (double[] Components, double[] Mean) Components(ReadOnlySpan<float> embedding, int rows, int width, int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(embedding.Length, rows * width, nameof(embedding));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, width, nameof(count));
        double[] mean = new double[width];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < width; j++)
            {
                mean[j] += embedding[(r * width) + j];
            }
        }

        TensorPrimitives.Divide(mean, rows, mean);
        double[] covariance = new double[width * width];
        double[] centered = new double[width];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < width; j++)
            {
                centered[j] = embedding[(r * width) + j] - mean[j];
            }

            for (int i = 0; i < width; i++)
            {
                Span<double> row = covariance.AsSpan(i * width, width);
                TensorPrimitives.MultiplyAdd(centered, centered[i], row, row);
            }
        }

        // Subspace iteration from a seeded start.
        double[] q = new double[count * width];
        var random = new SeededRandom(seed, "embedding-pca");
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = random.NextCentered(1);
        }

        Orthonormalize(q, count, width);
        double[] z = new double[count * width];
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            Multiply(covariance, q, z, count, width);
            (q, z) = (z, q);
            Orthonormalize(q, count, width);
        }

        // Rayleigh–Ritz: diagonalize Qᵀ C Q and rotate Q onto its eigenvectors, largest eigenvalue first.
        Multiply(covariance, q, z, count, width);
        double[] small = new double[count * count];
        for (int a = 0; a < count; a++)
        {
            for (int b = 0; b < count; b++)
            {
                small[(a * count) + b] = TensorPrimitives.Dot(q.AsSpan(a * width, width), z.AsSpan(b * width, width));
            }
        }

        (double[] values, double[] vectors) = Jacobi(small, count);
        int[] order = [.. Enumerable.Range(0, count).OrderByDescending(i => values[i])];
        double[] components = new double[count * width];
        for (int c = 0; c < count; c++)
        {
            Span<double> component = components.AsSpan(c * width, width);
            for (int a = 0; a < count; a++)
            {
                TensorPrimitives.MultiplyAdd(q.AsSpan(a * width, width), vectors[(a * count) + order[c]], component, component);
            }
        }

        return (components, mean);
    }

    /// <summary>Writes the centred rows projected onto the components into <paramref name="destination"/> ([rows, count]), scaled so its entries' root mean square is <paramref name="rms"/>.</summary>
    public static void Project(ReadOnlySpan<float> embedding, int rows, int width, double[] components, double[] mean, int count, double rms, Span<float> destination)
    {
        double[] centered = new double[width];
        double[] projected = new double[rows * count];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < width; j++)
            {
                centered[j] = embedding[(r * width) + j] - mean[j];
            }

            for (int c = 0; c < count; c++)
            {
                projected[(r * count) + c] = TensorPrimitives.Dot(centered, components.AsSpan(c * width, width));
            }
        }

        double current = Math.Sqrt(TensorPrimitives.SumOfSquares(projected) / projected.Length);
        double scale = current > 0 ? rms / current : 0;
        for (int i = 0; i < projected.Length; i++)
        {
            destination[i] = (float)(projected[i] * scale);
        }
    }

    /// <summary>z_c = C q_c for every vector c.</summary>
    private static void Multiply(double[] matrix, double[] q, double[] z, int count, int width)
    {
        for (int c = 0; c < count; c++)
        {
            ReadOnlySpan<double> vector = q.AsSpan(c * width, width);
            for (int i = 0; i < width; i++)
            {
                z[(c * width) + i] = TensorPrimitives.Dot(matrix.AsSpan(i * width, width), vector);
            }
        }
    }

    /// <summary>Modified Gram–Schmidt over the vectors (rows of <paramref name="q"/>), twice for accuracy in float64.</summary>
    private static void Orthonormalize(double[] q, int count, int width)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            for (int c = 0; c < count; c++)
            {
                Span<double> vector = q.AsSpan(c * width, width);
                for (int earlier = 0; earlier < c; earlier++)
                {
                    ReadOnlySpan<double> basis = q.AsSpan(earlier * width, width);
                    TensorPrimitives.MultiplyAdd(basis, -TensorPrimitives.Dot(vector, basis), vector, vector);
                }

                double norm = TensorPrimitives.Norm(vector);
                TensorPrimitives.Divide(vector, norm > 1e-300 ? norm : 1, vector);
            }
        }
    }

    /// <summary>Eigenvalues and eigenvectors (columns of a row-major [n, n] array) of a symmetric matrix, by cyclic Jacobi rotations.</summary>
    private static (double[] Values, double[] Vectors) Jacobi(double[] a, int n)
    {
        double[] v = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            v[(i * n) + i] = 1;
        }

        for (int sweep = 0; sweep < 50; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
            {
                for (int r = p + 1; r < n; r++)
                {
                    off += a[(p * n) + r] * a[(p * n) + r];
                }
            }

            if (off < 1e-30)
            {
                break;
            }

            for (int p = 0; p < n; p++)
            {
                for (int r = p + 1; r < n; r++)
                {
                    double apr = a[(p * n) + r];
                    if (Math.Abs(apr) < 1e-300)
                    {
                        continue;
                    }

                    double theta = (a[(r * n) + r] - a[(p * n) + p]) / (2 * apr);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    double cos = 1 / Math.Sqrt((t * t) + 1);
                    double sin = t * cos;
                    for (int k = 0; k < n; k++)
                    {
                        // Columns p and r, then rows p and r: A ← Jᵀ A J.
                        double akp = a[(k * n) + p];
                        double akr = a[(k * n) + r];
                        a[(k * n) + p] = (cos * akp) - (sin * akr);
                        a[(k * n) + r] = (sin * akp) + (cos * akr);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[(p * n) + k];
                        double ark = a[(r * n) + k];
                        a[(p * n) + k] = (cos * apk) - (sin * ark);
                        a[(r * n) + k] = (sin * apk) + (cos * ark);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[(k * n) + p];
                        double vkr = v[(k * n) + r];
                        v[(k * n) + p] = (cos * vkp) - (sin * vkr);
                        v[(k * n) + r] = (sin * vkp) + (cos * vkr);
                    }
                }
            }
        }

        return ([.. Enumerable.Range(0, n).Select(i => a[(i * n) + i])], v);
    }
}
