using System.CommandLine;
using System.Globalization;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary><c>fastdraft train-model</c>: pretrains a decoder from scratch (for example a small target) and exports it.</summary>
internal static class TrainModelCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var tokenizer = new Option<string?>("--tokenizer") { Description = "A folder with the tokenizer files (tokenizer.json, tokenizer_config.json), copied into the output; default: a byte-level tokenizer (256 bytes + <|endoftext|>)." };
        var shared = new CorpusOptions(
            "The folder for the checkpoint and split lists; default <out>.work. A rerun resumes from it.",
            "Tokens per training sequence (default: the context length, at most 4,096).");
        var shape = ShapeOptions.Model();
        var outFolder = new Option<string>("--out") { Description = "The output model folder (ONNX Runtime GenAI format).", Required = true };
        var minutes = new Option<double>("--minutes") { Description = "Training budget in minutes (wall clock).", DefaultValueFactory = _ => 15 };
        var context = new Option<int>("--context") { Description = "Context length of the exported model.", DefaultValueFactory = _ => 512 };
        var rate = new Option<double>("--learning-rate") { Description = "Peak learning rate (warm-up, then cosine to a tenth).", DefaultValueFactory = _ => 2e-3 };
        var continueFrom = new Option<string?>("--continue-from") { Description = "A finished train-model run of the same shape to continue from, with a fresh schedule: its work folder, its model.params file, or the model folder it exported." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document on stdout and nothing else (the summary goes to stderr): schema_version, steps, tokens_per_second, heldout_bits_per_token, curve, ..." };
        var command = new Command("train-model", ExitCodes.Describe("Pretrains a Llama-style decoder from scratch on a corpus (for example a small target to train a draft for) and exports it with the tokenizer files."));
        foreach (Option option in new Option[] { tokenizer, shared.Corpus, shared.Include, outFolder, shared.Work, minutes, context, shared.Seed, shared.BatchSize, shared.SequenceLength, rate, shared.Threads, continueFrom, json })
        {
            command.Options.Add(option);
        }

        shape.AddTo(command);
        var provider = new ExecutionProviderOptions();
        provider.AddTo(command, withFastInt4: false); // it runs only the float32 model it trains

        command.SetAction(async (parsed, cancellationToken) =>
        {
            DecoderSpec sized = shape.Read(parsed);
            (ExecutionProvider executionProvider, int deviceId) = provider.ReadProvider(parsed);
            bool asJson = parsed.GetValue(json);
            TextWriter human = asJson ? error : output; // with --json, stdout holds the document alone
            var options = new ModelTrainingOptions
            {
                Tokenizer = parsed.GetValue(tokenizer),
                Corpus = parsed.GetValue(shared.Corpus)!,
                Output = parsed.GetValue(outFolder)!,
                WorkFolder = parsed.GetValue(shared.Work),
                Budget = ToolArguments.Budget(parsed.GetValue(minutes)),
                Shape = sized with
                {
                    ContextLength = ToolArguments.InRange(parsed.GetValue(context), 8, 1 << 20, context.Name),
                    TiedEmbeddings = true,
                },
                IncludePattern = parsed.GetValue(shared.Include)!,
                Seed = parsed.GetValue(shared.Seed),
                BatchSize = CorpusOptions.Optional(parsed, shared.BatchSize, 1, 4096),
                SequenceLength = CorpusOptions.Optional(parsed, shared.SequenceLength, 8, 65536),
                LearningRate = parsed.GetValue(rate),
                Threads = ToolArguments.Threads(parsed.GetValue(shared.Threads)),
                ContinueFrom = parsed.GetValue(continueFrom),
                ExecutionProvider = executionProvider,
                DeviceId = deviceId,
            };
            using ProgressDisplay display = ProgressDisplay.For(error);
            ModelTrainingResult result = await ModelTraining.RunAsync(options, display, cancellationToken).ConfigureAwait(false);
            display.Finish();
            human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Trained {result.Parameters:N0} parameters for {result.Steps} steps at {result.TokensPerSecond:F0} tok/s; held-out {result.HeldOutBitsPerToken:F3} bits/token ({result.TrainFiles} train / {result.HeldOutFiles} held-out files). Model: {options.Output}"));
            human.WriteLine("Held-out bits/token by training time: " + string.Join(", ", result.Curve.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Elapsed.TotalMinutes:F1} min {p.BitsPerToken:F3}"))));
            if (result.StartBitsByContextPosition.Count > 0)
            {
                human.WriteLine("Held-out bits/token by context position (eighths), before: " + string.Join(" ", result.StartBitsByContextPosition.Select(b => b.ToString("F2", CultureInfo.InvariantCulture))));
            }

            human.WriteLine("Held-out bits/token by context position (eighths): " + string.Join(" ", result.BitsByContextPosition.Select(b => b.ToString("F2", CultureInfo.InvariantCulture))));
            human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Training windows of {result.SequenceLength} tokens; CPU time ÷ wall time {result.CpuUtilization:F2} ({Environment.ProcessorCount} processors); peak memory {result.PeakMemoryBytes / (double)(1L << 30):F2} GiB."));
            if (asJson)
            {
                ToolJson.Write(output, ToolJson.Document(new Dictionary<string, object>
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
                    ["peak_memory_bytes"] = result.PeakMemoryBytes,
                }));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
