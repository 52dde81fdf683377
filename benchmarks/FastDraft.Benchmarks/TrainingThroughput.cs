using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastDraft.ModelWriter;
using FastDraft.Training;
using FastDraft.Training.Graph;

namespace FastDraft.Benchmarks;

/// <summary>
/// Training throughput at the codepair-dev shapes (4,096 tokens per step at sequence length 256 and 512): tokens per
/// second, and where a step's time goes (batch filling, the ONNX Runtime training graph, clipping + AdamW). Each step
/// takes seconds, so this is a timed loop rather than a BenchmarkDotNet benchmark.
/// </summary>
internal static class TrainingThroughput
{
    private static readonly DecoderSpec Target = new()
    {
        VocabularySize = 257, Layers = 6, HiddenSize = 256, Heads = 8, KeyValueHeads = 2, IntermediateSize = 704, ContextLength = 512, TiedEmbeddings = true,
        BeginningOfSequenceTokenId = 256, EndOfSequenceTokenId = 256, PaddingTokenId = 256,
    };

    private static readonly DecoderSpec Draft = Target with { Layers = 2, HiddenSize = 128, Heads = 4, KeyValueHeads = 1, IntermediateSize = 352 };

    public static int Run(string[] args)
    {
        int steps = 6;
        int[] threadCounts = [1, 2];
        string output = Path.Combine("benchmarks", "results");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threadCounts = [.. args[++i].Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture))]; break;
                case "--out": output = args[++i]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}; use --steps N --threads 1,2 --out DIR"); return 2;
            }
        }

        var random = new Random(1);
        int[] tokens = new int[400_000];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = random.Next(256);
        }

        TokenCorpus corpus = TokenCorpus.FromTokenizedFiles([("random", tokens)], 256);
        var table = new StringBuilder();
        table.AppendLine("| shape | batch × length | threads | s/step | tokens/s | PyTorch anchor | vs anchor | data | ONNX Runtime (inputs + Run) | clip + AdamW |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach ((string name, DecoderSpec spec, double anchor) in new[] { ("draft", Draft, 6600.0), ("target", Target, 1500.0) })
        {
            foreach ((int batch, int length) in new[] { (16, 256), (8, 512) })
            {
                foreach (int threads in threadCounts)
                {
                    (double seconds, double data, double graph, double optimizer) = Measure(spec, corpus, batch, length, threads, steps);
                    double rate = batch * length / seconds;
                    string row = string.Create(CultureInfo.InvariantCulture, $"| {name} | {batch} × {length} | {threads} | {seconds:F3} | {rate:F0} | {anchor:F0} | {rate / anchor:F2}x | {data / seconds:P1} | {graph / seconds:P1} | {optimizer / seconds:P1} |");
                    Console.WriteLine(row);
                    table.AppendLine(row);
                }
            }
        }

        Directory.CreateDirectory(output);
        string report = $"# Training throughput\n\n{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {steps} timed steps after 2 warm-up steps, fp32, random tokens.\n\n{table}";
        File.WriteAllText(Path.Combine(output, "training.md"), report);
        Console.WriteLine(report);
        return 0;
    }

    private static (double Step, double Data, double Graph, double Optimizer) Measure(DecoderSpec spec, TokenCorpus corpus, int batchSize, int length, int threads, int steps)
    {
        using OnnxGradientSource source = OnnxGradientSource.Create(spec, new OnnxGradientSourceOptions
        {
            Graph = new TrainingGraphOptions { BatchSize = batchSize, SequenceLength = length },
            IntraOpThreads = threads,
        });
        ParameterLayout layout = source.Layout;
        float[] parameters = new float[layout.TotalCount];
        float[] gradients = new float[layout.TotalCount];
        DecoderParameters.Initialize(spec, layout, parameters, 1);
        source.Bind(parameters, gradients);
        var optimizer = new AdamW(layout, 0.9, 0.95, 1e-8, 0.1);
        var data = new CorpusBatchSource(corpus, length, WindowOrder.Random, 1);
        var batch = new TrainingBatch(batchSize, length);
        double dataSeconds = 0, graphSeconds = 0, optimizerSeconds = 0;
        var total = new Stopwatch();
        for (int step = 1; step <= steps + 2; step++)
        {
            bool timed = step > 2;
            if (timed)
            {
                total.Start();
            }

            long t0 = Stopwatch.GetTimestamp();
            data.Fill(batch);
            long t1 = Stopwatch.GetTimestamp();
            source.Compute(batch);
            long t2 = Stopwatch.GetTimestamp();
            GradientMath.ClipGlobalNorm(gradients, 1.0);
            optimizer.Step(parameters, gradients, 1e-3, step);
            long t3 = Stopwatch.GetTimestamp();
            if (timed)
            {
                total.Stop();
                dataSeconds += Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
                graphSeconds += Stopwatch.GetElapsedTime(t1, t2).TotalSeconds;
                optimizerSeconds += Stopwatch.GetElapsedTime(t2, t3).TotalSeconds;
            }
        }

        return (total.Elapsed.TotalSeconds / steps, dataSeconds / steps, graphSeconds / steps, optimizerSeconds / steps);
    }
}
