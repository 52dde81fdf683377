using System.CommandLine;
using System.Globalization;
using FastDraft.Evaluation;
using FastDraft.OnnxRuntime;
using FastDraft.Text;

namespace FastDraft.Tool;

/// <summary>
/// <c>fastdraft eval</c>: measures a target with one or more proposers on a prompts file: the quality gate,
/// α, speed-up across prompts, latency percentiles, CPU cost, the K sweep against the predicted curve and a
/// recommendation; written as Markdown, JSON and PNG charts. With <c>--json-object</c>/<c>--json-schema</c> every mode runs
/// under the JSON constraint (and with <c>--compare-unconstrained</c> also without it).
/// </summary>
internal static class EvalCommand
{
    /// <summary>The report's files, written into <c>--out</c>.</summary>
    public static readonly string[] Files = ["eval.md", "eval.json", EvalCharts.SpeedupChart, EvalCharts.SweepChart, EvalCharts.AlphaChart, EvalCharts.ContextChart];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var target = new Option<string>("--target") { Description = "The target model folder (ONNX Runtime GenAI format).", Required = true };
        var drafts = new Option<string[]>("--draft") { Description = "A draft model folder (repeat to compare several).", AllowMultipleArgumentsPerToken = false };
        var allowMismatch = new Option<bool>("--allow-tokenizer-mismatch") { Description = "Evaluates a --draft whose tokenizer.json disagrees with the target's (refused by default, naming the first differing token)." };
        var ngrams = new Option<int[]>("--ngram") { Description = "An n-gram proposer matching up to N tokens of the context, 1 to 64 (repeat to compare several); with --draft, each draft combined with it is measured too (proposer \"combined\").", AllowMultipleArgumentsPerToken = false };
        var prompts = new Option<string>("--prompts") { Description = "A JSONL file: one object per line with \"prompt\" (text, encoded with the target's tokenizer) or \"ids\"." };
        var conversations = new Option<string>("--conversations") { Description = "Instead of --prompts, a JSONL file of conversations (one per line: {\"system\": \"...\", \"turns\": [\"user message\", ...]}): reports the time to first token of every turn, through the chat client with the model's template, with session reuse and without (greedy, --max-new-tokens per reply, --repetitions times; the first --draft or --ngram, or none)." };
        var tokens = new Option<int>("--max-new-tokens") { Description = "Tokens generated per prompt (end-of-sequence ignored, so every mode generates as many).", DefaultValueFactory = _ => 64 };
        var repetitions = new Option<int>("--repetitions") { Description = "Interleaved, counterbalanced repetitions of every mode over every prompt.", DefaultValueFactory = _ => 3 };
        var k = new Option<int>("--draft-tokens") { Description = "K of the headline fixed-K mode (always in the sweep).", DefaultValueFactory = _ => 4 };
        var sweep = new Option<string>("--k-sweep") { Description = "The values of K measured with a fixed draft length, comma-separated; the adaptive mode drafts up to the largest.", DefaultValueFactory = _ => "1,2,4,6,8" };
        var temperature = new Option<float>("--temperature") { Description = "0 decodes greedily (the gate compares tokens); above 0 samples (the gate compares the target's log-probability of the output)." };
        var seed = new Option<long>("--seed") { Description = "First seed of sampled generations.", DefaultValueFactory = _ => 1 };
        var price = new Option<double?>("--price-per-hour") { Description = "Price of one CPU core-hour (any currency), for the cost per million tokens." };
        var outFolder = new Option<string>("--out") { Description = "Where eval.md, eval.json and the PNG charts go.", DefaultValueFactory = _ => "fastdraft-eval" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document on stdout and nothing else (the summary goes to stderr), as eval.json: schema_version, quality_gate_passed, recommendation, and per mode (\"modes\": {\"draft_k4\": {\"mode\": \"draft_k4\", \"label\": \"draft K=4\", ...}}) alpha, speedup_median, speedup_p10, speedup_p90, tokens_per_second and more; with --json-object or --json-schema, constraint (kind, file, outputs) and per mode grammar_tokens and forced_share." };
        var constraint = new JsonConstraintOptions(
            "Every mode, target-only included, generates one JSON value (the quality gate then compares constrained speculative output with constrained target-only output); the prompts should ask for JSON. A generation ends with its value or at --max-new-tokens.",
            "Every mode, target-only included, generates JSON this schema file allows (as --json-object); the report gives each mode's forced (grammar) token share and target-only's outputs.");
        var compareUnconstrained = new Option<bool>("--compare-unconstrained") { Description = "With --json-object or --json-schema, also measures every mode without the constraint in the same interleaved run (named \"..., unconstrained\"), and reports each constrained mode's speed-up over its unconstrained twin." };
        var provider = new ExecutionProviderOptions();
        var command = new Command("eval", ExitCodes.Describe(
            "Evaluates a target with a draft (--draft), an n-gram proposer (--ngram) or several, and with both given each draft combined with each lookup (\"combined\"): target-only and every proposer at each K and adaptively, interleaved over --repetitions; the quality gate, α (also by draft position), speed-up across prompts, TTFT and time per output token, CPU cost, the K sweep against E(α,K)/(K·c + v(K)), and a recommendation. With --conversations instead of --prompts: the time to first token of every turn of multi-turn conversations with session reuse and without.",
            "the quality gate failed (or, with --conversations, replies with reuse differed from those without) (the report is written all the same)"));
        foreach (Option option in new Option[] { target, drafts, allowMismatch, ngrams, prompts, conversations, tokens, repetitions, k, sweep, temperature, seed, price, outFolder })
        {
            command.Options.Add(option);
        }

        constraint.AddTo(command);
        command.Options.Add(compareUnconstrained);
        provider.AddTo(command);
        command.Options.Add(json);

        command.Validators.Add(result =>
        {
            if ((result.GetValue(prompts) is null) == (result.GetValue(conversations) is null))
            {
                result.AddError("Give either --prompts FILE or --conversations FILE.");
            }
            else if (result.GetValue(prompts) is not null && (result.GetValue(drafts) ?? []).Length == 0 && (result.GetValue(ngrams) ?? []).Length == 0)
            {
                result.AddError("Give at least one proposer: --draft DIR or --ngram N.");
            }
            else if (result.GetValue(conversations) is not null && (constraint.IsGiven(result) || result.GetValue(compareUnconstrained)))
            {
                result.AddError("--json-object, --json-schema and --compare-unconstrained go with --prompts, not --conversations.");
            }
            else if (result.GetValue(compareUnconstrained) && !constraint.IsGiven(result))
            {
                result.AddError("--compare-unconstrained needs --json-object or --json-schema FILE (the constraint to compare with).");
            }
        });

        command.SetAction((parsed, cancellationToken) =>
        {
            var options = new EvaluationOptions
            {
                MaxNewTokens = AtLeast(parsed.GetValue(tokens), 2, "--max-new-tokens"),
                Repetitions = AtLeast(parsed.GetValue(repetitions), 1, "--repetitions"),
                DraftTokens = DraftLength(parsed.GetValue(k), "--draft-tokens"),
                DraftTokenSweep = ParseSweep(parsed.GetValue(sweep)!),
                Temperature = parsed.GetValue(temperature) is var t && (t == 0 || t is >= 1e-6f and <= 1e6f) ? t : throw new ArgumentException($"--temperature must be 0 (greedy) or a positive number; got {t}."),
                Seed = parsed.GetValue(seed),
                PricePerCoreHour = parsed.GetValue(price) is not double p || (p >= 0 && double.IsFinite(p)) ? parsed.GetValue(price) : throw new ArgumentException($"--price-per-hour must be a number of at least 0; got {parsed.GetValue(price)}."),
            };
            int[] ngramSizes = parsed.GetValue(ngrams) ?? [];
            foreach (int n in ngramSizes)
            {
                _ = n is >= 1 and <= 64 ? n : throw new ArgumentException($"--ngram must be between 1 and 64; got {n}.");
            }

            if (ngramSizes.Distinct().Count() != ngramSizes.Length)
            {
                throw new ArgumentException("--ngram is given twice with the same N.");
            }

            OnnxModelOptions modelOptions = provider.Read(parsed);
            bool asJson = parsed.GetValue(json);
            TextWriter human = asJson ? error : output; // with --json, stdout holds the document alone
            string targetFolder = parsed.GetValue(target)!;
            string[] draftFolders = parsed.GetValue(drafts) ?? [];
            if (parsed.GetValue(conversations) is { } conversationFile)
            {
                return ConversationEval.RunAsync(
                    targetFolder,
                    draftFolders.FirstOrDefault(),
                    draftFolders.Length == 0 && ngramSizes.Length > 0 ? ngramSizes[0] : null,
                    conversationFile,
                    options.MaxNewTokens,
                    options.Repetitions,
                    options.DraftTokens,
                    modelOptions,
                    asJson,
                    output,
                    human,
                    cancellationToken);
            }

            string folder = parsed.GetValue(outFolder)!;
            var tokenizer = new Lazy<ModelTokenizer>(() => ModelTokenizer.Load(targetFolder));
            List<int[]> promptIds = PromptFile.Read(parsed.GetValue(prompts)!, () => tokenizer.Value);
            if (constraint.IsGiven(parsed))
            {
                options = options with { Constraint = constraint.Create(parsed, tokenizer.Value), CompareUnconstrained = parsed.GetValue(compareUnconstrained) };
            }
            if (!parsed.GetValue(allowMismatch))
            {
                Array.ForEach(draftFolders, d => GenerationPair.CheckTokenizers(targetFolder, d)); // before any model is loaded
            }

            using OnnxCausalLM model = OnnxCausalLM.Load(targetFolder, modelOptions);
            var loaded = new List<OnnxCausalLM>();
            try
            {
                string[] names = DraftNames(draftFolders);
                var proposers = new List<Proposer>();
                for (int i = 0; i < draftFolders.Length; i++)
                {
                    loaded.Add(OnnxCausalLM.Load(draftFolders[i], modelOptions));
                    proposers.Add(Proposer.FromModel(names[i], loaded[^1]));
                }

                proposers.AddRange(ngramSizes.Select(Proposer.NGram));
                proposers.AddRange(Combined(proposers.Take(draftFolders.Length).ToList(), ngramSizes));
                EvaluationReport report;
                using (ProgressDisplay display = ProgressDisplay.For(error))
                {
                    report = PairEvaluator.Run(model, proposers, promptIds, options, display, cancellationToken);
                    display.Finish();
                }

                EvalConstraint? constrained = options.Constraint is null ? null : EvalConstraint.Describe(constraint.SchemaFile(parsed), report, tokenizer.Value);
                var context = new EvalContext(targetFolder, draftFolders, parsed.GetValue(prompts)!, DateTime.UtcNow, constrained);
                Directory.CreateDirectory(folder);
                File.WriteAllText(Path.Combine(folder, "eval.md"), EvalMarkdown.Write(report, context));
                File.WriteAllText(Path.Combine(folder, "eval.json"), EvalJson.Write(report, context, indented: true));
                EvalCharts.Write(report, context.Title, folder);
                EvalMarkdown.WriteSummary(report, human);
                human.WriteLine($"Report: {Path.Combine(folder, "eval.md")} (with eval.json and {string.Join(", ", Files.Skip(2))})");
                if (asJson)
                {
                    output.WriteLine(EvalJson.Write(report, context, indented: false));
                }

                return Task.FromResult(report.Quality.Passed ? ExitCodes.Success : ExitCodes.CheckFailed);
            }
            finally
            {
                loaded.ForEach(d => d.Dispose());
            }
        });
        return command;
    }

    private static int AtLeast(int value, int least, string name) =>
        value >= least ? value : throw new ArgumentException($"{name} must be at least {least}; got {value}.");

    private static int DraftLength(int value, string name) =>
        value is >= 1 and <= SpeculativeOptions.MaxDraftTokens ? value : throw new ArgumentException($"{name} must be between 1 and {SpeculativeOptions.MaxDraftTokens}; got {value}.");

    private static int[] ParseSweep(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length > 0
            ? [.. parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? DraftLength(value, "--k-sweep") : throw new ArgumentException($"--k-sweep must list whole numbers separated by commas; got '{text}'."))]
            : throw new ArgumentException("--k-sweep must list at least one K.");
    }

    /// <summary>
    /// With draft models and n-gram sizes both given, each draft combined with each lookup (<see cref="CombinedDraftModel"/>):
    /// named <c>combined</c> for one of each, else <c>{draft}+ngram-{N}</c>. Its c is measured from its proposal time, as a lookup's.
    /// </summary>
    private static IEnumerable<Proposer> Combined(List<Proposer> drafts, int[] ngramSizes) =>
        from draft in drafts
        from n in ngramSizes
        select Proposer.Create(
            drafts.Count == 1 && ngramSizes.Length == 1 ? "combined" : $"{draft.Name}+ngram-{n}",
            new CombinedDraftModel(draft.Draft, new NGramDraftModel(n)));

    /// <summary>"draft" for a single draft; the folder names for several (numbered where two share a name).</summary>
    private static string[] DraftNames(string[] folders)
    {
        if (folders.Length == 1)
        {
            return ["draft"];
        }

        string[] names = [.. folders.Select(f => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(f))))];
        return [.. names.Select((name, i) => names.Count(n => n == name) > 1 ? $"{name}-{i + 1}" : name)];
    }
}
