using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;
using FastDraft.Training.Graph;

namespace FastDraft.Tests.Training;

public sealed class EmbeddingPcaTests
{
    [Fact]
    public void Components_EmbeddingOfKnownLowRank_RecoverItsDirectionsInOrderAndOrthonormal()
    {
        // Rows = mean + a·(5 u₀) + b·(3 u₁) + c·(1 u₂), u orthonormal in 24 dimensions: the principal directions are u₀, u₁, u₂ in that order.
        const int rows = 400, width = 24;
        var random = new Random(7);
        double[][] u = Orthonormal(random, 3, width);
        double[] scales = [5, 3, 1];
        float[] embedding = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            // Weights exactly uncorrelated and centred over the rows (cosines and sines over whole periods), so the sample covariance is diagonal in u.
            double angle = 2 * Math.PI * r / rows;
            double[] weights = [scales[0] * Math.Cos(angle), scales[1] * Math.Sin(angle), scales[2] * Math.Cos(2 * angle)];
            for (int j = 0; j < width; j++)
            {
                embedding[(r * width) + j] = (float)(0.5 + Enumerable.Range(0, 3).Sum(k => weights[k] * u[k][j]));
            }
        }

        (double[] components, _) = EmbeddingPca.Components(embedding, rows, width, 3, seed: 1);

        for (int a = 0; a < 3; a++)
        {
            for (int b = 0; b < 3; b++)
            {
                double dot = Enumerable.Range(0, width).Sum(j => components[(a * width) + j] * components[(b * width) + j]);
                Assert.Equal(a == b ? 1.0 : 0.0, dot, 1e-9);
            }

            // Component a is ±u_a.
            double alignment = Math.Abs(Enumerable.Range(0, width).Sum(j => components[(a * width) + j] * u[a][j]));
            Assert.Equal(1.0, alignment, 1e-6);
        }
    }

    [Fact]
    public void Project_Rows_HaveTheRequestedRootMeanSquareAndKeepDistancesRatios()
    {
        const int rows = 50, width = 8;
        var random = new Random(3);
        float[] embedding = [.. Enumerable.Range(0, rows * width).Select(_ => (float)random.NextDouble())];
        (double[] components, double[] mean) = EmbeddingPca.Components(embedding, rows, width, width, seed: 2);
        float[] projected = new float[rows * width];

        EmbeddingPca.Project(embedding, rows, width, components, mean, width, 0.02, projected);

        Assert.Equal(0.02, Math.Sqrt(projected.Average(v => (double)v * v)), 1e-6);

        // With every direction kept the projection is a rotation and a scale: distances keep their ratios.
        double Distance(float[] m, int w, int a, int b) => Math.Sqrt(Enumerable.Range(0, w).Sum(j => Math.Pow(m[(a * w) + j] - m[(b * w) + j], 2)));
        double ratio = Distance(projected, width, 0, 1) / Distance(embedding, width, 0, 1);
        Assert.Equal(ratio, Distance(projected, width, 7, 31) / Distance(embedding, width, 7, 31), 1e-4);
    }

    [Fact]
    public void Parameters_FromTheTarget_ReplaceOnlyTheEmbedding()
    {
        DecoderSpec draft = new() { VocabularySize = TestModels.Target.VocabularySize, HiddenSize = 32, Layers = 1, Heads = 2, KeyValueHeads = 1, IntermediateSize = 32 };
        ParameterLayout layout = DecoderParameters.Layout(draft);
        float[] scratch = new float[layout.TotalCount];
        ParameterInitializer.Initialize(layout, scratch, 9, 0.02);

        float[] started = TargetEmbeddingInit.Parameters(draft, TestModels.GqaTarget, 9, 0.02);

        ParameterTensor embedding = layout.Tensors.First(t => t.Name == DecoderParameters.Embedding);
        Span<float> rows = started.AsSpan((int)embedding.Offset, (int)embedding.Count);
        Assert.False(rows.SequenceEqual(scratch.AsSpan((int)embedding.Offset, (int)embedding.Count)));
        Assert.Equal(0.02, Math.Sqrt(rows.ToArray().Average(v => (double)v * v)), 1e-5);
        Assert.True(started.AsSpan((int)(embedding.Offset + embedding.Count)).SequenceEqual(scratch.AsSpan((int)(embedding.Offset + embedding.Count))));
    }

    private static double[][] Orthonormal(Random random, int count, int width)
    {
        var vectors = new double[count][];
        for (int i = 0; i < count; i++)
        {
            double[] v = [.. Enumerable.Range(0, width).Select(_ => random.NextDouble() - 0.5)];
            for (int k = 0; k < i; k++)
            {
                double dot = v.Zip(vectors[k]).Sum(p => p.First * p.Second);
                for (int j = 0; j < width; j++)
                {
                    v[j] -= dot * vectors[k][j];
                }
            }

            double norm = Math.Sqrt(v.Sum(x => x * x));
            vectors[i] = [.. v.Select(x => x / norm)];
        }

        return vectors;
    }
}
