using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Training;
using FastDraft.Training.Graph;

namespace FastDraft.Benchmarks;

/// <summary>
/// What trimming the draft's head (<see cref="DecoderSpec.HeadTokenIds"/>) saves at the recipe's default draft shape
/// (2 layers, width 128, tied) for real vocabularies (Llama-2's 32,000 and GPT-2's 50,257 ids) at the recipe's default
/// head size: milliseconds per one-token draft step (the exported full-width graph, as a speculative decoder runs it) and
/// training tokens per second (the training graph with its chunked loss). Full and trimmed are timed in alternation and
/// the medians reported, since the machine may be shared. A timed loop, not a BenchmarkDotNet benchmark.
/// </summary>
internal static class TrimmedHeadCost
{
    public static int Run(string[] args)
    {
        int rounds = 5;
        int trainingSteps = 3;
        string output = Path.Combine("benchmarks", "results");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--training-steps": trainingSteps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}; use --rounds N --training-steps N --out DIR"); return 2;
            }
        }

        var table = new StringBuilder();
        table.AppendLine("| vocabulary | head | draft step, ms (median) | training tokens/s (median) |");
        table.AppendLine("|---|---|---|---|");
        foreach (int vocabulary in (int[])[32_000, 50_257])
        {
            DecoderSpec full = new()
            {
                VocabularySize = vocabulary, Layers = 2, HiddenSize = 128, Heads = 4, KeyValueHeads = 1, IntermediateSize = 352, ContextLength = 1024,
                TiedEmbeddings = true, BeginningOfSequenceTokenId = 1, EndOfSequenceTokenId = 2,
            };
            int m = DraftRecipeOptions.DefaultDraftVocabulary(vocabulary);
            DecoderSpec trimmed = full with { HeadTokenIds = [.. Enumerable.Range(0, m).Select(i => (int)((long)i * vocabulary / m))] };
            var steps = new Dictionary<string, List<double>> { ["full"] = [], ["trimmed"] = [] };
            var rates = new Dictionary<string, List<double>> { ["full"] = [], ["trimmed"] = [] };
            using var fullDraft = Load(full, "full");
            using var trimmedDraft = Load(trimmed, "trimmed");
            for (int round = 0; round < rounds; round++)
            {
                steps["full"].Add(DraftStepMilliseconds(fullDraft));
                steps["trimmed"].Add(DraftStepMilliseconds(trimmedDraft));
            }

            for (int round = 0; round < trainingSteps; round++)
            {
                rates["full"].Add(TrainingTokensPerSecond(full));
                rates["trimmed"].Add(TrainingTokensPerSecond(trimmed));
            }

            foreach (string head in (string[])["full", "trimmed"])
            {
                string width = head == "full" ? $"full ({vocabulary:N0})" : $"trimmed ({trimmed.HeadWidth:N0})";
                string row = string.Create(CultureInfo.InvariantCulture, $"| {vocabulary:N0} | {width} | {Median(steps[head]):F3} | {Median(rates[head]):F0} |");
                Console.WriteLine(row);
                table.AppendLine(row);
            }
        }

        Directory.CreateDirectory(output);
        string report = $"# Trimmed draft head: step cost\n\n{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average at start {LoadAverage()}; default draft shape (2 layers, width 128, tied), fp32, CPU. Draft step: one token appended after a 64-token prompt and its logits read, median of {rounds} rounds of 64 steps. Training: 4 × 256 tokens a step, 2 threads, median of {trainingSteps} rounds of 2 timed steps after 1 warm-up.\n\n{table}";
        File.WriteAllText(Path.Combine(output, "trimmed-head.md"), report);
        Console.WriteLine(report);
        return 0;
    }

    private static OnnxCausalLM Load(DecoderSpec spec, string name)
    {
        string folder = Path.Combine(Path.GetTempPath(), "fastdraft-trimmed-bench", $"{spec.VocabularySize}-{name}");
        LlamaModelWriter.Write(spec, folder);
        return OnnxCausalLM.Load(folder);
    }

    private static double DraftStepMilliseconds(OnnxCausalLM model)
    {
        using IModelSession session = model.CreateSession(256);
        session.Append([.. Enumerable.Range(3, 64)]);
        var watch = Stopwatch.StartNew();
        float sink = 0;
        for (int step = 0; step < 64; step++)
        {
            session.Append([(step * 7) + 5]);
            sink += session.GetLogits(0)[step];
        }

        watch.Stop();
        return float.IsNaN(sink) ? double.NaN : watch.Elapsed.TotalMilliseconds / 64;
    }

    private static double TrainingTokensPerSecond(DecoderSpec spec)
    {
        const int batchSize = 4;
        const int length = 256;
        using OnnxGradientSource source = OnnxGradientSource.Create(spec, new OnnxGradientSourceOptions
        {
            Graph = new TrainingGraphOptions { BatchSize = batchSize, SequenceLength = length },
            IntraOpThreads = 2,
        });
        float[] parameters = new float[source.Layout.TotalCount];
        float[] gradients = new float[source.Layout.TotalCount];
        DecoderParameters.Initialize(spec, source.Layout, parameters, 1);
        source.Bind(parameters, gradients);
        var batch = new TrainingBatch(batchSize, length);
        var random = new Random(1);
        for (int i = 0; i < batch.InputIds.Length; i++)
        {
            batch.InputIds[i] = random.Next(spec.VocabularySize);
            batch.TargetIds[i] = spec.HeadTokenIds is { } kept ? kept[random.Next(kept.Count)] : random.Next(spec.VocabularySize);
            batch.LossMask[i] = 1f;
        }

        source.Compute(batch);
        var watch = Stopwatch.StartNew();
        source.Compute(batch);
        source.Compute(batch);
        return 2 * batchSize * length / watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
