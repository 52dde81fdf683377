using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastDraft.Evaluation;
using FastDraft.OnnxRuntime;
using FastDraft.Text;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary><c>fastdraft acceptance</c>: α of any drafts on a prompts file, teacher-forced along the target's greedy continuations.</summary>
internal static class AcceptanceCommand
{
    public static Command Create(TextWriter output)
    {
        var target = new Option<string>("--target") { Description = "The target model folder.", Required = true };
        var drafts = new Option<string[]>("--draft") { Description = "A draft model folder (repeat to compare several).", Required = true, AllowMultipleArgumentsPerToken = false };
        var prompts = new Option<string>("--prompts") { Description = "A JSONL file: one object per line with \"prompt\" (text, encoded with the target's tokenizer) or \"ids\".", Required = true };
        var tokens = new Option<int>("--tokens") { Description = "Greedy continuation length per prompt.", DefaultValueFactory = _ => 128 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line: alpha and tokens per target pass per draft." };
        var command = new Command("acceptance", "Measures greedy acceptance (α) of one or more drafts on the prompts of a file, teacher-forced along the target's own greedy continuations, with the simulated tokens per target pass at K = 2, 4, 8.");
        foreach (Option option in new Option[] { target, drafts, prompts, tokens, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parsed, cancellationToken) =>
        {
            int length = parsed.GetValue(tokens);
            if (length < 1)
            {
                throw new ArgumentException($"--tokens must be at least 1; got {length}.");
            }

            // The prompts first: a malformed file is refused before the models are loaded.
            string targetFolder = parsed.GetValue(target)!;
            List<int[]> promptIds = PromptFile.Read(parsed.GetValue(prompts)!, () => ModelTokenizer.Load(targetFolder));
            using OnnxCausalLM model = OnnxCausalLM.Load(targetFolder);
            IReadOnlyList<ReferenceContinuation> references = await AcceptanceEvaluator.CreateReferencesAsync(model, promptIds, length, cancellationToken).ConfigureAwait(false);
            var results = new Dictionary<string, object>();
            output.WriteLine($"{promptIds.Count} prompts × {length} tokens, teacher-forced on the target's greedy continuations:");
            output.WriteLine("draft                                     alpha   alpha@32  tok/pass K=2   K=4    K=8");
            foreach (string folder in parsed.GetValue(drafts)!)
            {
                using OnnxCausalLM draft = OnnxCausalLM.Load(folder);
                AcceptanceReport report = AcceptanceEvaluator.Measure(draft, references, cancellationToken);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Shorten(folder),-40} {report.Alpha,6:F3}  {report.AlphaFirst32,6:F3}    {report.TokensPerTargetPass[2],6:F2}  {report.TokensPerTargetPass[4],6:F2}  {report.TokensPerTargetPass[8],6:F2}"));
                output.WriteLine("  α by context position: " + string.Join("  ", report.ByContextPosition.Where(b => b.Positions > 0).Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Start}–{b.End} {b.Alpha:F3}"))));
                if (report.LateContextWarning is { } warning)
                {
                    output.WriteLine($"  Warning: {warning}");
                }

                results[folder] = new Dictionary<string, object>
                {
                    ["alpha"] = report.Alpha,
                    ["alpha_first_32"] = report.AlphaFirst32,
                    ["alpha_by_context_position"] = report.ByContextPosition.Select(b => new Dictionary<string, object?> { ["start"] = b.Start, ["end"] = b.End, ["positions"] = b.Positions, ["alpha"] = b.Positions == 0 ? null : b.Alpha }).ToArray(),
                    ["positions"] = report.Positions,
                    ["tokens_per_target_pass"] = report.TokensPerTargetPass.ToDictionary(p => $"k{p.Key}", p => p.Value),
                };
            }

            if (parsed.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["prompts"] = promptIds.Count, ["tokens"] = length, ["drafts"] = results }));
            }

            return 0;
        });
        return command;
    }

    private static string Shorten(string path) => path.Length <= 40 ? path : "…" + path[^39..];
}
