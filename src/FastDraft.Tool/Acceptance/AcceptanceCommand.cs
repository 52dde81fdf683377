using System.CommandLine;
using System.Globalization;
using FastDraft.Evaluation;
using FastDraft.OnnxRuntime;
using FastDraft.Text;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary><c>fastdraft acceptance</c>: α of any drafts on a prompts file, teacher-forced along the target's greedy continuations.</summary>
internal static class AcceptanceCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var target = new Option<string>("--target") { Description = "The target model folder.", Required = true };
        var drafts = new Option<string[]>("--draft") { Description = "A draft model folder (repeat to compare several).", Required = true, AllowMultipleArgumentsPerToken = false };
        var prompts = new Option<string>("--prompts") { Description = "A JSONL file: one object per line with \"prompt\" (text, encoded with the target's tokenizer) or \"ids\".", Required = true };
        var tokens = new RenamedOption<int>(new Option<int>("--max-new-tokens") { Description = "Greedy continuation length per prompt.", DefaultValueFactory = _ => 128 }, "--tokens");
        var json = new Option<bool>("--json") { Description = "Print one JSON document on stdout and nothing else (the table goes to stderr): schema_version, prompts, max_new_tokens, and per draft (\"drafts\": [{folder, alpha, ...}]) α, α by context position and tokens per target pass." };
        var provider = new ExecutionProviderOptions();
        var command = new Command("acceptance", ExitCodes.Describe("Measures greedy acceptance (α) of one or more drafts on the prompts of a file, teacher-forced along the target's own greedy continuations, with the simulated tokens per target pass at K = 2, 4, 8."));
        foreach (Option option in new Option[] { target, drafts, prompts })
        {
            command.Options.Add(option);
        }

        tokens.AddTo(command);
        provider.AddTo(command);
        command.Options.Add(json);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            (int length, string lengthName) = tokens.Read(parsed);
            ToolArguments.InRange(length, 1, 1 << 20, lengthName);
            OnnxModelOptions modelOptions = provider.Read(parsed);
            bool asJson = parsed.GetValue(json);
            TextWriter human = asJson ? error : output; // with --json, stdout holds the document alone

            // The prompts first: a malformed file is refused before the models are loaded.
            string targetFolder = parsed.GetValue(target)!;
            List<int[]> promptIds = PromptFile.Read(parsed.GetValue(prompts)!, () => ModelTokenizer.Load(targetFolder));
            using OnnxCausalLM model = OnnxCausalLM.Load(targetFolder, modelOptions);
            IReadOnlyList<ReferenceContinuation> references = await AlphaEvaluator.CreateReferencesAsync(model, promptIds, length, cancellationToken).ConfigureAwait(false);
            var results = new List<Dictionary<string, object?>>();
            human.WriteLine($"{promptIds.Count} prompts × {length} tokens, teacher-forced on the target's greedy continuations:");
            human.WriteLine("draft                                     alpha   alpha@32  tok/pass K=2   K=4    K=8");
            foreach (string folder in parsed.GetValue(drafts)!)
            {
                using OnnxCausalLM draft = OnnxCausalLM.Load(folder, modelOptions);
                AlphaReport report = AlphaEvaluator.Measure(draft, references, cancellationToken);
                human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Shorten(folder),-40} {report.Alpha,6:F3}  {report.AlphaFirst32,6:F3}    {report.TokensPerTargetPass[2],6:F2}  {report.TokensPerTargetPass[4],6:F2}  {report.TokensPerTargetPass[8],6:F2}"));
                human.WriteLine("  α by context position: " + string.Join("  ", report.ByContextPosition.Where(b => b.Positions > 0).Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Start}–{b.End} {b.Alpha:F3}"))));
                if (report.LateContextWarning is { } warning)
                {
                    human.WriteLine($"  Warning: {warning}");
                }

                results.Add(new Dictionary<string, object?>
                {
                    ["folder"] = folder,
                    ["alpha"] = report.Alpha,
                    ["alpha_first_32"] = report.AlphaFirst32,
                    ["alpha_by_context_position"] = report.ByContextPosition.Select(b => new Dictionary<string, object?> { ["start"] = b.Start, ["end"] = b.End, ["positions"] = b.Positions, ["alpha"] = b.Positions == 0 ? null : b.Alpha }).ToArray(),
                    ["positions"] = report.Positions,
                    ["tokens_per_target_pass"] = report.TokensPerTargetPass.ToDictionary(p => $"k{p.Key}", p => p.Value),
                    ["late_context_warning"] = report.LateContextWarning,
                });
            }

            if (asJson)
            {
                ToolJson.Write(output, ToolJson.Document(new Dictionary<string, object> { ["prompts"] = promptIds.Count, ["max_new_tokens"] = length, ["drafts"] = results }));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string Shorten(string path) => path.Length <= 40 ? path : "…" + path[^39..];
}
