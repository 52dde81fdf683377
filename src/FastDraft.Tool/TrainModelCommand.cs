using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastDraft.ModelWriter;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary><c>fastdraft train-model</c>: pretrains a decoder from scratch (for example a small target) and exports it.</summary>
internal static class TrainModelCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var tokenizer = new Option<string?>("--tokenizer") { Description = "A folder with the tokenizer files (tokenizer.json, tokenizer_config.json), copied into the output; default: a byte-level tokenizer (256 bytes + <|endoftext|>)." };
        var corpus = new Option<string>("--corpus") { Description = "A folder of text files (recursive, see --include) or a text file listing paths one per line.", Required = true };
        var outFolder = new Option<string>("--out") { Description = "The output model folder (ONNX Runtime GenAI format).", Required = true };
        var work = new Option<string?>("--work") { Description = "The folder for the checkpoint and split lists; default <out>.work. A rerun resumes from it." };
        var minutes = new Option<double>("--minutes") { Description = "Training budget in minutes (wall clock).", DefaultValueFactory = _ => 15 };
        var layers = new Option<int>("--layers") { Description = "Layers.", DefaultValueFactory = _ => 6 };
        var hidden = new Option<int>("--hidden") { Description = "Width.", DefaultValueFactory = _ => 256 };
        var heads = new Option<int>("--heads") { Description = "Query heads.", DefaultValueFactory = _ => 8 };
        var kvHeads = new Option<int>("--kv-heads") { Description = "Key/value heads.", DefaultValueFactory = _ => 2 };
        var intermediate = new Option<int>("--intermediate") { Description = "SwiGLU hidden size.", DefaultValueFactory = _ => 704 };
        var context = new Option<int>("--context") { Description = "Context length of the exported model.", DefaultValueFactory = _ => 512 };
        var include = new Option<string>("--include") { Description = "File-name pattern for a corpus folder.", DefaultValueFactory = _ => "*.py" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the split, initialisation and data order.", DefaultValueFactory = _ => 1234 };
        var batch = new Option<int?>("--batch-size") { Description = "Sequences per optimizer step (default: 4,096 tokens per step)." };
        var sequence = new Option<int?>("--sequence-length") { Description = "Tokens per training sequence (default: the context length, at most 4,096)." };
        var rate = new Option<double>("--learning-rate") { Description = "Peak learning rate (warm-up, then cosine to a tenth).", DefaultValueFactory = _ => 2e-3 };
        var threads = new Option<int?>("--threads") { Description = $"ONNX Runtime intra-op threads (default: the processors available, {Environment.ProcessorCount} here)." };
        var continueFrom = new Option<string?>("--continue-from") { Description = "A finished train-model run of the same shape to continue from, with a fresh schedule: its work folder, its model.params file, or the model folder it exported." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line (steps, tokens_per_second, heldout_bits_per_token, curve)." };
        var command = new Command("train-model", "Pretrains a Llama-style decoder from scratch on a corpus (for example a small target to train a draft for) and exports it with the tokenizer files.");
        foreach (Option option in new Option[] { tokenizer, corpus, outFolder, work, minutes, layers, hidden, heads, kvHeads, intermediate, context, include, seed, batch, sequence, rate, threads, continueFrom, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parsed, cancellationToken) =>
        {
            var options = new ModelTrainingOptions
            {
                Tokenizer = parsed.GetValue(tokenizer),
                Corpus = parsed.GetValue(corpus)!,
                Output = parsed.GetValue(outFolder)!,
                WorkFolder = parsed.GetValue(work),
                Budget = ToolArguments.Budget(parsed.GetValue(minutes)),
                Shape = new DecoderSpec
                {
                    Layers = parsed.GetValue(layers),
                    HiddenSize = parsed.GetValue(hidden),
                    Heads = parsed.GetValue(heads),
                    KeyValueHeads = parsed.GetValue(kvHeads),
                    IntermediateSize = parsed.GetValue(intermediate),
                    ContextLength = parsed.GetValue(context),
                    TiedEmbeddings = true,
                },
                IncludePattern = parsed.GetValue(include)!,
                Seed = parsed.GetValue(seed),
                BatchSize = parsed.GetValue(batch),
                SequenceLength = parsed.GetValue(sequence),
                LearningRate = parsed.GetValue(rate),
                Threads = ToolArguments.Threads(parsed.GetValue(threads)),
                ContinueFrom = parsed.GetValue(continueFrom),
            };
            using ProgressDisplay display = ProgressDisplay.For(error);
            ModelTrainingResult result = await ModelTraining.RunAsync(options, display, cancellationToken).ConfigureAwait(false);
            display.Finish();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Trained {result.Parameters:N0} parameters for {result.Steps} steps at {result.TokensPerSecond:F0} tok/s; held-out {result.HeldOutBitsPerToken:F3} bits/token ({result.TrainFiles} train / {result.HeldOutFiles} held-out files). Model: {options.Output}"));
            output.WriteLine("Held-out bits/token by training time: " + string.Join(", ", result.Curve.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Elapsed.TotalMinutes:F1} min {p.BitsPerToken:F3}"))));
            if (result.StartBitsByContextPosition.Count > 0)
            {
                output.WriteLine("Held-out bits/token by context position (eighths), before: " + string.Join(" ", result.StartBitsByContextPosition.Select(b => b.ToString("F2", CultureInfo.InvariantCulture))));
            }

            output.WriteLine("Held-out bits/token by context position (eighths): " + string.Join(" ", result.BitsByContextPosition.Select(b => b.ToString("F2", CultureInfo.InvariantCulture))));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Training windows of {result.SequenceLength} tokens; CPU time ÷ wall time {result.CpuUtilization:F2} ({Environment.ProcessorCount} processors)."));
            if (parsed.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["steps"] = result.Steps,
                    ["tokens_per_second"] = result.TokensPerSecond,
                    ["heldout_bits_per_token"] = result.HeldOutBitsPerToken,
                    ["parameters"] = result.Parameters,
                    ["seconds"] = result.Seconds,
                    ["curve"] = result.Curve.Select(p => new[] { p.Elapsed.TotalSeconds, p.BitsPerToken }).ToArray(),
                    ["heldout_bits_by_context_position"] = result.BitsByContextPosition.Select(b => double.IsNaN(b) ? (double?)null : b).ToArray(),
                    ["heldout_bits_by_context_position_before"] = result.StartBitsByContextPosition.Select(b => double.IsNaN(b) ? (double?)null : b).ToArray(),
                    ["sequence_length"] = result.SequenceLength,
                    ["cpu_utilization"] = result.CpuUtilization,
                }));
            }

            return 0;
        });
        return command;
    }
}
