using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;
using FastDraft.Training.Graph;
using Microsoft.ML.OnnxRuntime;
using static FastDraft.Tests.Training.TrainingGraphHarness;

namespace FastDraft.Tests.Training;

/// <summary>The training graph's forward pass against the inference model the writer exports from the same weights.</summary>
public sealed class ExportTests
{
    [Theory]
    [InlineData(AttentionKind.GroupQueryAttention, false, 0)]
    [InlineData(AttentionKind.StandardOps, true, 0)]
    [InlineData(AttentionKind.GroupQueryAttention, true, 3)]
    [InlineData(AttentionKind.StandardOps, false, 3)]
    public void TrainingGraphLoss_EqualsTheLossOfTheExportedModelsLogits(AttentionKind attention, bool tied, int softTopK)
    {
        DecoderSpec spec = Tiny with { Attention = attention, TiedEmbeddings = tied };
        ParameterLayout layout = DecoderParameters.Layout(spec);
        float[] parameters = Array.ConvertAll(Parameters(layout, seed: 21), v => (float)v);
        TrainingBatch batch = MakeBatch(spec.VocabularySize, softTopK, seed: 5);
        string folder = TestModels.Scratch("export-loss");
        DecoderParameters.Export(spec, layout, parameters, folder);

        using OnnxGradientSource source = OnnxGradientSource.Create(spec, new OnnxGradientSourceOptions
        {
            Graph = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, SoftTopK = softTopK },
            KlWeight = (float)KlWeight,
            IntraOpThreads = 1,
        });
        source.Bind(parameters, new float[layout.TotalCount]);
        LossParts trained = source.Compute(batch);

        (double ce, double kl, double counted) = Reference(InferenceLogits(spec, folder, batch.InputIds), spec.VocabularySize, batch);
        Assert.Equal(counted, trained.CountedPositions);
        Assert.True(Math.Abs(trained.CrossEntropy - ce) <= 1e-5, $"CE {trained.CrossEntropy} vs {ce}");
        Assert.True(Math.Abs(trained.KullbackLeibler - kl) <= 1e-5, $"KL {trained.KullbackLeibler} vs {kl}");
        Assert.True(Math.Abs(trained.Loss - (ce + (KlWeight * kl))) <= 1e-5, $"loss {trained.Loss} vs {ce + (KlWeight * kl)}");
    }

    [Theory]
    [InlineData(AttentionKind.GroupQueryAttention, true)]
    [InlineData(AttentionKind.StandardOps, false)]
    public void ExportedModel_ReproducesTheTrainingGraphsLogits_AndLoadsInOnnxCausalLM(AttentionKind attention, bool tied)
    {
        DecoderSpec spec = Tiny with { Attention = attention, TiedEmbeddings = tied };
        var options = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence, OutputLogits = true };
        using var runner = new GraphRunner(spec, options, TestModels.Scratch("export-graph"));
        double[] parameters = Parameters(runner.Layout, seed: 33).Select(v => (double)(float)v).ToArray();
        TrainingBatch batch = MakeBatch(spec.VocabularySize, 0, seed: 8);
        double[] trainingLogits = runner.Run(parameters, batch).Logits;

        string folder = TestModels.Scratch("export-model");
        DecoderParameters.Export(spec, runner.Layout, Array.ConvertAll(parameters, v => (float)v), folder);
        float[] exported = InferenceLogits(spec, folder, batch.InputIds);
        Assert.Equal(trainingLogits.Length, exported.Length);
        double worst = trainingLogits.Zip(exported, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4, $"max |Δlogit| {worst:E2}");

        using OnnxCausalLM model = OnnxCausalLM.Load(folder);
        using IModelSession session = model.CreateSession(16);
        session.Append(batch.InputIds.Take(Sequence).Select(id => (int)id).ToArray());
        for (int row = 0; row < Sequence; row++)
        {
            float[] logits = session.GetLogits(row).ToArray();
            double rowWorst = logits.Select((v, i) => Math.Abs(v - trainingLogits[(row * spec.VocabularySize) + i])).Max();
            Assert.True(rowWorst <= 1e-4, $"row {row}: max |Δlogit| {rowWorst:E2}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Import_AnExportedModel_GivesBackEveryParameterBitForBit(bool tied)
    {
        DecoderSpec spec = Tiny with { TiedEmbeddings = tied };
        ParameterLayout layout = DecoderParameters.Layout(spec);
        float[] parameters = new float[layout.TotalCount];
        DecoderParameters.Initialize(spec, layout, parameters, seed: 71);
        string folder = TestModels.Scratch("import");
        DecoderParameters.Export(spec, layout, parameters, folder);

        float[] imported = DecoderParameters.Import(layout, folder);

        Assert.Equal(parameters, imported);
    }

    [Fact]
    public void Import_AModelOfAnotherShape_IsRefusedNamingTheTensor()
    {
        DecoderSpec spec = Tiny;
        ParameterLayout layout = DecoderParameters.Layout(spec);
        string folder = TestModels.Scratch("import-other");
        DecoderSpec wider = spec with { IntermediateSize = spec.IntermediateSize * 2 };
        ParameterLayout widerLayout = DecoderParameters.Layout(wider);
        DecoderParameters.Export(wider, widerLayout, new float[widerLayout.TotalCount], folder);

        var error = Assert.Throws<InvalidDataException>(() => DecoderParameters.Import(layout, folder));

        Assert.Contains("mlp.gate_proj.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TiedSpec_HasNoHeadTensor_AndCountsTheEmbeddingOnce()
    {
        DecoderSpec tied = Tiny with { TiedEmbeddings = true };
        Assert.DoesNotContain(DecoderParameters.Layout(tied).Tensors, t => t.Name == DecoderParameters.Head);
        Assert.Equal(DecoderParameters.Layout(tied).TotalCount, tied.ParameterCount);
        Assert.Equal(DecoderParameters.Layout(Tiny).TotalCount, Tiny.ParameterCount);
    }

    [Fact]
    public void Write_WithATensorOfTheWrongSize_Throws()
    {
        ParameterLayout layout = DecoderParameters.Layout(Tiny);
        float[] parameters = new float[layout.TotalCount];
        Assert.Throws<ArgumentException>(() => LlamaModelWriter.Write(Tiny, TestModels.Scratch("export-wrong"), _ => parameters.AsMemory(0, 3)));
    }

    /// <summary>Mean CE and KL over the masked positions, computed in float64 from logits.</summary>
    private static (double Ce, double Kl, double Counted) Reference(float[] logits, int vocabulary, TrainingBatch batch)
    {
        double ce = 0, kl = 0, counted = 0;
        int k = batch.SoftTopK;
        for (int i = 0; i < batch.InputIds.Length; i++)
        {
            float[] row = logits.AsSpan(i * vocabulary, vocabulary).ToArray();
            double max = double.NegativeInfinity;
            foreach (float v in row)
            {
                max = Math.Max(max, v);
            }

            double sum = 0;
            foreach (float v in row)
            {
                sum += Math.Exp(v - max);
            }

            double LogProbability(long id) => row[(int)id] - max - Math.Log(sum);
            double mask = batch.LossMask[i];
            counted += mask;
            ce -= mask * LogProbability(batch.TargetIds[i]);
            for (int j = 0; j < k; j++)
            {
                double p = batch.SoftProbabilities[(i * k) + j];
                kl += mask * p * (Math.Log(p) - LogProbability(batch.SoftIds[(i * k) + j]));
            }
        }

        return (ce / counted, kl / counted, counted);
    }

    /// <summary>Logits [B, T, V] of a written model over whole sequences from an empty cache, with a plain session.</summary>
    private static float[] InferenceLogits(DecoderSpec spec, string folder, long[] inputIds)
    {
        using var session = new InferenceSession(System.IO.Path.Combine(folder, "model.onnx"));
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            long[] tokens = [Batch, Sequence];
            names.Add("input_ids");
            values.Add(OrtValue.CreateTensorValueFromMemory(inputIds, tokens));
            names.Add("attention_mask");
            values.Add(OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, Batch * Sequence).ToArray(), tokens));
            if (spec.Attention == AttentionKind.StandardOps)
            {
                names.Add("position_ids");
                values.Add(OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, Batch * Sequence).Select(i => (long)(i % Sequence)).ToArray(), tokens));
            }

            for (int layer = 0; layer < spec.Layers; layer++)
            {
                foreach (string part in (string[])["key", "value"])
                {
                    names.Add($"past_key_values.{layer}.{part}");
                    values.Add(OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [Batch, spec.KeyValueHeads, 0, spec.EffectiveHeadSize]));
                }
            }

            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, names, values, ["logits"]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (OrtValue value in values)
            {
                value.Dispose();
            }
        }
    }
}
