using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastDraft.OnnxRuntime;
using FastDraft.Training;

namespace FastDraft.Runner;

/// <summary>
/// <c>data-throughput</c>: alignment-data generation (the recipe's first stage) at several batch sizes on one target,
/// interleaved round by round so that every size sees the same machine: sequences/s and target tokens/s (continuation
/// tokens the target produced per second), and each size's ratio to the first size's.
/// </summary>
internal static class DataGenerationThroughput
{
    public static Command Create()
    {
        var target = new Option<string?>("--target") { Description = "The target folder (default: the synthetic 124M target, written to the cache if absent)." };
        var sizes = new Option<int[]>("--batch-sizes") { Description = "Batch sizes to compare; the first is the baseline (default 1 8: one at a time against batches of 8).", DefaultValueFactory = _ => [1, 8], AllowMultipleArgumentsPerToken = true };
        var sequences = new Option<int>("--sequences") { Description = "Sequences per run (at least the batch size; default 8).", DefaultValueFactory = _ => 8 };
        var continuation = new Option<int>("--continuation") { Description = "Continuation tokens per sequence (default 128, the recipe's).", DefaultValueFactory = _ => 128 };
        var prompt = new Option<int?>("--prompt-length") { Description = "Longest prompt (default: the recipe's, the context minus the continuation)." };
        var rounds = new Option<int>("--rounds") { Description = "Rounds, each running every size once (default 1).", DefaultValueFactory = _ => 1 };
        var workers = new Option<int?>("--workers") { Description = "Batches generated at once (default: the library's choice)." };
        var command = new Command("data-throughput", "Alignment-data generation one at a time against batched, interleaved on one target: sequences/s and target tokens/s.")
        {
            target, sizes, sequences, continuation, prompt, rounds, workers,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string folder = parsed.GetValue(target) ?? Pairs.SyntheticTargetFolder(new RunnerSettings(), Console.Error);
            string markdown = await RunAsync(folder, parsed.GetValue(sizes)!, parsed.GetValue(sequences), parsed.GetValue(continuation), parsed.GetValue(prompt), parsed.GetValue(rounds), parsed.GetValue(workers), cancellationToken).ConfigureAwait(false);
            parsed.InvocationConfiguration.Output.WriteLine(markdown);
            return 0;
        });
        return command;
    }

    private static async Task<string> RunAsync(string folder, int[] sizes, int sequences, int continuation, int? promptLength, int rounds, int? workers, CancellationToken cancellationToken)
    {
        using var target = OnnxCausalLM.Load(folder);
        var random = new Random(3);
        TokenCorpus corpus = TokenCorpus.FromTokenizedFiles([("random", [.. Enumerable.Range(0, 200_000).Select(_ => random.Next(3, target.Info.VocabularySize - 1))])], 0);
        string scratch = Directory.CreateTempSubdirectory("fastdraft-data-throughput").FullName;
        var results = sizes.ToDictionary(size => size, _ => new List<(double Sequences, double Tokens)>());
        try
        {
            AlignmentDataOptions Options(int size, int count, int length) => DraftRecipeOptions.DefaultAlignmentData with
            {
                Sequences = count,
                ContinuationLength = length,
                PromptLength = promptLength,
                BatchSize = size,
                BatchWorkers = workers,
                Seed = 1,
            };

            foreach (int size in sizes)
            {
                // A short warm-up per size: sessions, thread pools and first-run allocations out of the timings.
                await AlignmentDataGenerator.GenerateAsync(target, corpus, Path.Combine(scratch, $"warm-{size}.fdad"), Options(size, size, 2), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            for (int round = 0; round < rounds; round++)
            {
                foreach (int size in sizes)
                {
                    int count = Math.Max(sequences, size);
                    string path = Path.Combine(scratch, $"run-{round}-{size}.fdad");
                    var clock = Stopwatch.StartNew();
                    await AlignmentDataGenerator.GenerateAsync(target, corpus, path, Options(size, count, continuation), cancellationToken: cancellationToken).ConfigureAwait(false);
                    double seconds = clock.Elapsed.TotalSeconds;
                    results[size].Add((count / seconds, count * continuation / seconds));
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}, batch {size}: {count} sequences in {seconds:F1} s"));
                }
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        double Median(IEnumerable<double> values)
        {
            double[] sorted = [.. values.Order()];
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Target {target.Info.Name} ({folder}), {Environment.ProcessorCount} logical cores, {continuation}-token continuations, {sequences} sequences per run, {rounds} round(s); medians.");
        text.AppendLine();
        text.AppendLine("| batch size | sequences/s | target tokens/s | × first |");
        text.AppendLine("|---:|---:|---:|---:|");
        double baseline = Median(results[sizes[0]].Select(r => r.Tokens));
        foreach (int size in sizes)
        {
            double tokens = Median(results[size].Select(r => r.Tokens));
            text.AppendLine(CultureInfo.InvariantCulture, $"| {size} | {Median(results[size].Select(r => r.Sequences)):F3} | {tokens:F1} | {tokens / baseline:F2} |");
        }

        return text.ToString();
    }
}
