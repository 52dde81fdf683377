using FastDraft.ModelWriter;
using FastDraft.Training;
using FastDraft.Training.Graph;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.Tests.Training;

/// <summary>Tiny specs, batches and a plain-session runner for training graphs of either precision.</summary>
internal static class TrainingGraphHarness
{
    /// <summary>GQA with fewer key/value heads than heads (4 over 2), head size 16 so the GroupQueryAttention flavour can export it.</summary>
    public static readonly DecoderSpec Tiny = new()
    {
        VocabularySize = 23,
        HiddenSize = 32,
        Layers = 2,
        Heads = 4,
        KeyValueHeads = 2,
        HeadSize = 16,
        IntermediateSize = 40,
        ContextLength = 64,
        BeginningOfSequenceTokenId = 1,
        EndOfSequenceTokenId = 2,
    };

    public const int Batch = 2;
    public const int Sequence = 5;
    public const double KlWeight = 0.7;

    /// <summary>Random parameters larger than the training initialisation, so every non-linearity is exercised.</summary>
    public static double[] Parameters(ParameterLayout layout, int seed)
    {
        var random = new Random(seed);
        var values = new double[layout.TotalCount];
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            for (long i = tensor.Offset; i < tensor.Offset + tensor.Count; i++)
            {
                double centered = (random.NextDouble() * 2) - 1;
                values[i] = tensor.WeightDecay ? 0.5 * centered : 1 + (0.3 * centered);
            }
        }

        return values;
    }

    /// <summary>A batch with a partial loss mask and, when asked, top-k teacher entries (distinct ids, probabilities summing below 1).</summary>
    public static TrainingBatch MakeBatch(int vocabulary, int softTopK, int seed)
    {
        var random = new Random(seed);
        var batch = new TrainingBatch(Batch, Sequence, softTopK);
        for (int i = 0; i < Batch * Sequence; i++)
        {
            batch.InputIds[i] = random.Next(vocabulary);
            batch.TargetIds[i] = random.Next(vocabulary);
            batch.LossMask[i] = i % 4 == 1 ? 0f : 1f;
            if (softTopK > 0)
            {
                int[] ids = Enumerable.Range(0, vocabulary).OrderBy(_ => random.Next()).Take(softTopK).ToArray();
                double[] weights = ids.Select(_ => random.NextDouble() + 0.05).ToArray();
                double total = weights.Sum() / 0.9;
                for (int k = 0; k < softTopK; k++)
                {
                    batch.SoftIds[(i * softTopK) + k] = ids[k];
                    batch.SoftProbabilities[(i * softTopK) + k] = (float)(weights[k] / total);
                }
            }
        }

        return batch;
    }

    /// <summary>Runs a training graph with a plain session; every output is returned as float64.</summary>
    internal sealed class GraphRunner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly bool _double;
        private readonly string[] _outputs;

        public GraphRunner(DecoderSpec spec, TrainingGraphOptions options, string folder)
        {
            Spec = spec;
            Options = options;
            Layout = DecoderParameters.Layout(spec);
            string path = System.IO.Path.Combine(folder, "training.onnx");
            TrainingGraphWriter.Write(spec, options, path);
            using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1 };
            _session = new InferenceSession(path, sessionOptions);
            _double = options.DoublePrecision;
            var outputs = new List<string> { TrainingGraphWriter.Loss, TrainingGraphWriter.CrossEntropy, TrainingGraphWriter.KullbackLeibler };
            outputs.AddRange(Layout.Tensors.Select(t => TrainingGraphWriter.GradientName(t.Name)));
            if (options.OutputLogits)
            {
                outputs.Add(TrainingGraphWriter.Logits);
            }

            _outputs = [.. outputs];
        }

        public DecoderSpec Spec { get; }

        public TrainingGraphOptions Options { get; }

        public ParameterLayout Layout { get; }

        /// <summary>Loss, CE, KL, the flat gradient, and the logits (empty unless the graph outputs them).</summary>
        /// <remarks>A trimmed head's batch is mapped to head columns first, as the gradient source maps it (<see cref="HeadVocabulary"/>).</remarks>
        public (double Loss, double CrossEntropy, double KullbackLeibler, double[] Gradient, double[] Logits) Run(double[] parameters, TrainingBatch batch)
        {
            if (HeadVocabulary.For(Spec) is { } head)
            {
                var mapped = new TrainingBatch(batch.BatchSize, batch.SequenceLength, batch.SoftTopK);
                batch.InputIds.CopyTo(mapped.InputIds, 0);
                head.Map(batch, mapped.TargetIds, mapped.LossMask, mapped.SoftIds, mapped.SoftProbabilities);
                batch = mapped;
            }

            var values = new List<OrtValue>();
            var names = new List<string>();
            try
            {
                long[] tokens = [batch.BatchSize, batch.SequenceLength];
                Add(TrainingGraphWriter.InputIds, OrtValue.CreateTensorValueFromMemory(batch.InputIds, tokens));
                Add(TrainingGraphWriter.TargetIds, OrtValue.CreateTensorValueFromMemory(batch.TargetIds, tokens));
                Add(TrainingGraphWriter.LossMask, Floats(batch.LossMask.Select(v => (double)v).ToArray(), tokens));
                if (Options.SoftTopK > 0)
                {
                    long[] soft = [batch.BatchSize, batch.SequenceLength, batch.SoftTopK];
                    Add(TrainingGraphWriter.SoftIds, OrtValue.CreateTensorValueFromMemory(batch.SoftIds, soft));
                    Add(TrainingGraphWriter.SoftProbs, Floats(batch.SoftProbabilities.Select(v => (double)v).ToArray(), soft));
                    Add(TrainingGraphWriter.KlWeight, Floats([KlWeight], []));
                }

                foreach (ParameterTensor tensor in Layout.Tensors)
                {
                    Add(tensor.Name, Floats(parameters.AsSpan((int)tensor.Offset, (int)tensor.Count).ToArray(), Array.ConvertAll(tensor.Shape, d => (long)d)));
                }

                using var runOptions = new RunOptions();
                using IDisposableReadOnlyCollection<OrtValue> results = _session.Run(runOptions, names, values, _outputs);
                double[] Read(int index) => _double
                    ? results[index].GetTensorDataAsSpan<double>().ToArray()
                    : Array.ConvertAll(results[index].GetTensorDataAsSpan<float>().ToArray(), v => (double)v);
                var gradient = new double[Layout.TotalCount];
                for (int i = 0; i < Layout.Tensors.Count; i++)
                {
                    Read(3 + i).CopyTo(gradient, Layout.Tensors[i].Offset);
                }

                double[] logits = Options.OutputLogits ? Read(_outputs.Length - 1) : [];
                return (Read(0)[0], Read(1)[0], Read(2)[0], gradient, logits);
            }
            finally
            {
                foreach (OrtValue value in values)
                {
                    value.Dispose();
                }
            }

            void Add(string name, OrtValue value)
            {
                names.Add(name);
                values.Add(value);
            }
        }

        public void Dispose() => _session.Dispose();

        private OrtValue Floats(double[] values, long[] shape) => _double
            ? OrtValue.CreateTensorValueFromMemory(values, shape)
            : OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(values, v => (float)v), shape);
    }
}
