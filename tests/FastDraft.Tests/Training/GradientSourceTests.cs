using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;
using FastDraft.Training.Graph;
using static FastDraft.Tests.Training.TrainingGraphHarness;

namespace FastDraft.Tests.Training;

/// <summary>The ONNX Runtime gradient source: buffers bound once, gradients written in place, per tensor slice.</summary>
public sealed class GradientSourceTests
{
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 3)]
    public void Compute_WritesTheFloat64GraphsGradient_IntoTheBoundBuffer(bool tied, int softTopK)
    {
        DecoderSpec spec = Tiny with { TiedEmbeddings = tied };
        using var reference = new GraphRunner(spec, new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, SoftTopK = softTopK, DoublePrecision = true }, TestModels.Scratch("source-ref"));
        double[] exact = Parameters(reference.Layout, seed: 9).Select(v => (double)(float)v).ToArray();
        TrainingBatch batch = MakeBatch(spec.VocabularySize, softTopK, seed: 4);
        (double loss, _, _, double[] expected, _) = reference.Run(exact, batch);

        using OnnxGradientSource source = OnnxGradientSource.Create(spec, new OnnxGradientSourceOptions
        {
            Graph = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, SoftTopK = softTopK },
            KlWeight = (float)KlWeight,
            IntraOpThreads = 1,
        });
        float[] parameters = Array.ConvertAll(exact, v => (float)v);
        float[] gradients = new float[source.Layout.TotalCount];
        Array.Fill(gradients, float.NaN);
        source.Bind(parameters, gradients);

        for (int step = 0; step < 2; step++)
        {
            LossParts parts = source.Compute(batch);
            Assert.True(Math.Abs(parts.Loss - loss) <= 1e-5 * Math.Abs(loss), $"loss {parts.Loss} vs {loss}");
            foreach (ParameterTensor tensor in source.Layout.Tensors)
            {
                double scale = Enumerable.Range((int)tensor.Offset, (int)tensor.Count).Max(i => Math.Abs(expected[i]));
                double worst = Enumerable.Range((int)tensor.Offset, (int)tensor.Count).Max(i => Math.Abs(gradients[i] - expected[i]));
                Assert.True(worst <= 1e-4 * scale, $"{tensor.Name}: max |Δ| {worst:E2} against max |g| {scale:E2}");
            }
        }
    }

    [Fact]
    public void Compute_RejectsABatchOfAnotherShape_AndBindingTwice()
    {
        using OnnxGradientSource source = OnnxGradientSource.Create(Tiny, new OnnxGradientSourceOptions
        {
            Graph = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence },
            IntraOpThreads = 1,
        });
        Assert.Throws<InvalidOperationException>(() => source.Compute(MakeBatch(Tiny.VocabularySize, 0, seed: 1)));
        float[] parameters = new float[source.Layout.TotalCount];
        source.Bind(parameters, new float[source.Layout.TotalCount]);
        Assert.Throws<InvalidOperationException>(() => source.Bind(parameters, new float[source.Layout.TotalCount]));
        Assert.Throws<ArgumentException>(() => source.Compute(new TrainingBatch(Batch, Sequence + 1)));
    }

    [Fact]
    public void Compute_AllocatesNoManagedMemory_AfterTheFirstStep()
    {
        using OnnxGradientSource source = OnnxGradientSource.Create(Tiny, new OnnxGradientSourceOptions
        {
            Graph = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, SoftTopK = 3 },
            IntraOpThreads = 1,
        });
        float[] parameters = Array.ConvertAll(Parameters(source.Layout, seed: 2), v => (float)v);
        source.Bind(parameters, new float[source.Layout.TotalCount]);
        TrainingBatch batch = MakeBatch(Tiny.VocabularySize, 3, seed: 3);
        source.Compute(batch);

        long least = long.MaxValue;
        for (int sample = 0; sample < 3; sample++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int step = 0; step < 10; step++)
            {
                source.Compute(batch);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public void Initialize_IsSeeded_WithUnitNormGainsAndSmallMatrices()
    {
        ParameterLayout layout = DecoderParameters.Layout(Tiny);
        float[] a = new float[layout.TotalCount];
        float[] b = new float[layout.TotalCount];
        DecoderParameters.Initialize(Tiny, layout, a, seed: 5);
        DecoderParameters.Initialize(Tiny, layout, b, seed: 5);
        Assert.Equal(a, b);
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            float[] values = a.AsSpan((int)tensor.Offset, (int)tensor.Count).ToArray();
            if (tensor.WeightDecay)
            {
                double std = Math.Sqrt(values.Average(v => (double)v * v));
                Assert.InRange(std, 0.002, 0.03);
            }
            else
            {
                Assert.All(values, v => Assert.Equal(1f, v));
            }
        }
    }
}
