using System.Globalization;
using System.Text.Json.Nodes;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary>A recipe's outcome: a readable table, and the <c>--json</c> document.</summary>
internal static class RecipeReport
{
    public static void WriteTable(DraftRecipeResult result, DraftRecipeOptions options, TextWriter output)
    {
        if (result.Drafts.Count > 0)
        {
            output.WriteLine($"Held-out acceptance ({options.MeasurementPrompts} prompts of lengths spread across the context, each continued by {options.MeasurementLength} tokens; teacher-forced on the target's greedy continuations):");
            output.WriteLine("draft        alpha   alpha@32  tok/pass K=2  K=4   K=8   held-out bits/token");
            foreach (DraftMeasurement draft in result.Drafts)
            {
                AlphaReport a = draft.Alpha;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{draft.Name,-12} {a.Alpha,6:F3}  {a.AlphaFirst32,6:F3}    {a.TokensPerTargetPass[2],5:F2}    {a.TokensPerTargetPass[4],5:F2} {a.TokensPerTargetPass[8],5:F2}  {draft.HeldOutBitsPerToken,6:F3}"));
            }

            output.WriteLine("alpha by context position: " + string.Join("  ", result.Drafts[0].Alpha.ByContextPosition.Select(b => $"{b.Start}-{b.End}")));
            foreach (DraftMeasurement draft in result.Drafts)
            {
                output.WriteLine($"{draft.Name,-12} " + string.Join("  ", draft.Alpha.ByContextPosition.Select(b => b.Alpha.ToString("F3", CultureInfo.InvariantCulture))));
            }

            foreach (DraftMeasurement draft in result.Drafts)
            {
                if (draft.Alpha.LateContextWarning is { } warning)
                {
                    output.WriteLine($"Warning ({draft.Name}): {warning}");
                }
            }
        }

        if (result.Speedup is { } speedup)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Decode speed-up (aligned draft, greedy): {speedup.Speedup:F2}x ({speedup.SpeculativeTokensPerSecond:F0} vs {speedup.TargetOnlyTokensPerSecond:F0} tok/s), tokens {(speedup.IdenticalOutputs ? "identical to target-only's" : "DIFFERENT from target-only's (a failure: exit code 3)")}."));
        }

        if (result.DraftCostRatio is { } c)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Draft step cost: c = {c:F3} of a target step (measured before training; above {DraftRecipeOptions.MaxDraftCostRatio:F1} the draft cannot pay for itself)."));
        }

        foreach (string warning in result.Warnings)
        {
            output.WriteLine($"Warning (draft shape): {warning}");
        }

        output.WriteLine("Seconds: " + string.Join(", ", result.StageSeconds.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:F0}"))));
        output.WriteLine($"CPU time ÷ wall time ({Environment.ProcessorCount} processors): " + string.Join(", ", result.CpuUtilization.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:F2}"))) + $"; training windows of {result.SequenceLength} tokens; peak memory {FormatGiB(result.PeakMemoryBytes)}.");
        if (result.Drafts.Any(d => d.Name == "aligned"))
        {
            output.WriteLine($"Aligned draft: {options.Output}");
        }
    }

    private static string FormatGiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB");

    /// <summary>The <c>--json</c> document: α per draft (<c>alpha_pretrained</c>, <c>alpha_aligned</c>, <c>alpha_control</c>), by context position, seconds and CPU use per step, the process's peak memory (<c>peak_memory_bytes</c>), the speed-up, the draft's shape, its step cost c before training (<c>draft_cost_ratio</c>) and the shape's <c>warnings</c>.</summary>
    public static JsonObject Json(DraftRecipeResult result, DraftRecipeOptions options)
    {
        var document = new Dictionary<string, object?>();
        foreach (DraftMeasurement draft in result.Drafts)
        {
            document[$"alpha_{draft.Name}"] = draft.Alpha.Alpha;
        }

        document["alpha_by_context_position"] = result.Drafts.ToDictionary(
            d => d.Name,
            d => d.Alpha.ByContextPosition.Select(b => new Dictionary<string, object?> { ["start"] = b.Start, ["end"] = b.End, ["positions"] = b.Positions, ["alpha"] = b.Positions == 0 ? null : b.Alpha }).ToArray());
        document["late_context_warnings"] = result.Drafts.Where(d => d.Alpha.LateContextWarning is not null).ToDictionary(d => d.Name, d => d.Alpha.LateContextWarning);
        document["cpu_utilization"] = result.CpuUtilization;
        document["sequence_length"] = result.SequenceLength;
        document["tokens_per_target_pass"] = result.Drafts.ToDictionary(d => d.Name, d => d.Alpha.TokensPerTargetPass.ToDictionary(p => $"k{p.Key}", p => p.Value));
        document["heldout_bits_per_token"] = result.Drafts.ToDictionary(d => d.Name, d => d.HeldOutBitsPerToken);
        document["seconds"] = result.StageSeconds;
        document["peak_memory_bytes"] = result.PeakMemoryBytes;
        document["alignment_sequences"] = result.AlignmentSequences;
        document["train_files"] = result.TrainFiles;
        document["heldout_files"] = result.HeldOutFiles;
        if (result.Speedup is { } s)
        {
            document["speedup"] = s.Speedup;
            document["speculative_tokens_per_second"] = s.SpeculativeTokensPerSecond;
            document["target_only_tokens_per_second"] = s.TargetOnlyTokensPerSecond;
            document["identical_tokens"] = s.IdenticalOutputs;
        }

        document["draft_cost_ratio"] = result.DraftCostRatio;
        document["warnings"] = result.Warnings;
        if (result.DraftShape is { } shape)
        {
            document["draft_shape"] = new Dictionary<string, object?> { ["layers"] = shape.Layers, ["hidden"] = shape.HiddenSize, ["heads"] = shape.Heads, ["kv_heads"] = shape.KeyValueHeads, ["intermediate"] = shape.IntermediateSize };
        }

        document["output"] = options.Output;
        return ToolJson.Document(document);
    }
}
