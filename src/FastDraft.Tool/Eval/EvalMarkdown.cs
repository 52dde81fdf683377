using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FastDraft.Evaluation;

namespace FastDraft.Tool;

/// <summary>The evaluation as Markdown (the <c>eval.md</c> file), and a short summary for the console.</summary>
internal static class EvalMarkdown
{
    public static string Write(EvaluationReport report, EvalContext context)
    {
        var md = new StringBuilder();
        EvaluationOptions o = report.Options;
        md.AppendLine(F($"# fastdraft eval: {context.Title}"));
        md.AppendLine();
        md.AppendLine(F($"Target `{context.Target}`; {(context.Drafts.Count == 0 ? "no draft model" : "drafts " + string.Join(", ", context.Drafts.Select(d => $"`{d}`")))}; prompts `{context.Prompts}` ({report.Prompts})."));
        md.AppendLine(F($"{(o.Temperature > 0 ? $"Sampling at T = {o.Temperature}" : "Greedy")}, {o.MaxNewTokens} new tokens per prompt, {o.Repetitions} interleaved repetitions (odd ones in reverse order), K = {o.DraftTokens} unless stated; {Machine(report.Machine)}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; {context.DateUtc:yyyy-MM-dd HH:mm} UTC; the run took {report.Elapsed.TotalMinutes:F1} min."));
        if (context.Constraint is { } constraint)
        {
            md.AppendLine(F($"Constrained: every mode{(o.CompareUnconstrained ? " (except the \"unconstrained\" ones, measured beside them in the same run)" : string.Empty)} generates {(constraint.File is null ? "one JSON value (`--json-object`)" : $"JSON that `{constraint.File}` allows (`--json-schema`)")}, target-only included, and ends with its value or at {o.MaxNewTokens} tokens; forced share: the tokens the constraint forced (no draft pass) ÷ the tokens generated."));
        }

        md.AppendLine();
        Quality(md, report.Quality);
        md.AppendLine("## Recommendation");
        md.AppendLine();
        md.AppendLine(F($"**{report.Recommendation.Mode}**. {report.Recommendation.Reason}"));
        md.AppendLine();
        if (report.Warnings.Count > 0)
        {
            md.AppendLine("## Warnings");
            md.AppendLine();
            foreach (string warning in report.Warnings)
            {
                md.AppendLine("- " + warning);
            }

            md.AppendLine();
        }

        Modes(md, report, context.Constraint is not null);
        if (context.Constraint is { } outputs)
        {
            Outputs(md, outputs);
        }

        Positions(md, report);
        ContextPositions(md, report);
        Sweep(md, report);
        PerPrompt(md, report);
        md.AppendLine("## Charts");
        md.AppendLine();
        md.AppendLine(F($"![speed-up by mode]({EvalCharts.SpeedupChart}) ![K sweep]({EvalCharts.SweepChart}) ![α by draft position]({EvalCharts.AlphaChart}) ![α by context position]({EvalCharts.ContextChart})"));
        md.AppendLine();
        md.AppendLine("Definitions. α: accepted ÷ judged proposals (a rejected round judges one token past the accepted ones). Accepted/round: accepted proposals per round that had one. Decode tok/s: per repetition, all prompts' tokens after the first over their decode time, then the median [least–greatest repetition]. Speed-up: ÷ target-only's rate in the same repetition, then the median [least–greatest repetition]; across prompts: each prompt's median ratio, then p10/median/p90 over the prompts. TTFT includes the prompt pass; TPOT is the decode time over the tokens after the first, per generation. CPU: the process's core-seconds (every thread) per 1,000 generated tokens; cost at the given price of a core-hour; saving against target-only. Predicted: E(α,K)/(K·c + v(K)) with α of that mode and c, v timed in every repetition (see the step costs), the median over repetitions.");
        return md.ToString();
    }

    /// <summary>The console summary: the gate, the main table and the recommendation.</summary>
    public static void WriteSummary(EvaluationReport report, TextWriter output)
    {
        QualityGateReport q = report.Quality;
        bool constrained = report.Options.Constraint is not null;
        output.WriteLine(F($"Quality gate: {(q.Passed ? "PASSED" : "FAILED")} ({(q.Sampled ? $"log-probability of {q.Compared} sampled outputs" : $"{q.Compared} greedy outputs compared token for token, {q.DifferenceCount} differ")})."));
        output.WriteLine("mode                          alpha  acc/round  tok/s     speed-up  p10-p90        CPU s/1k tok" + (constrained ? "  forced  vs unconstrained" : string.Empty));
        foreach (ModeReport m in report.Modes)
        {
            string forced = !constrained ? string.Empty
                : (m.Unconstrained ? "       –" : F($"  {m.ForcedShare * 100,5:F1}%")) + (double.IsNaN(m.SpeedupOverUnconstrained) ? string.Empty : F($"  {m.SpeedupOverUnconstrained,6:F2}x"));
            output.WriteLine(F($"{Shorten(m.Name),-29} {Alpha(m),5}  {(m.Proposer is null ? "–" : m.MeanAcceptedLength.ToString("F2", CultureInfo.InvariantCulture)),6}  {m.DecodeTokensPerSecond,9:F1}  {m.Speedup,6:F2}x  {m.SpeedupAcrossPrompts.P10,5:F2}-{m.SpeedupAcrossPrompts.P90,5:F2}x  {m.CpuSecondsPerThousandTokens,8:F2}{forced}"));
        }

        output.WriteLine(F($"Recommendation: {report.Recommendation.Reason}"));
        foreach (string warning in report.Warnings)
        {
            output.WriteLine("Warning: " + warning);
        }

        output.WriteLine(F($"Machine: {Machine(report.Machine)}."));
    }

    /// <summary>"2 CPUs, load average 5.12 at the start and 4.80 at the end (1 minute)", or the CPUs alone where the system gives no load.</summary>
    internal static string Machine(MachineLoad machine) => machine.AtStart is { } start && machine.AtEnd is { } end
        ? F($"{machine.ProcessorCount} CPUs, load average {start.OneMinute:F2} at the start and {end.OneMinute:F2} at the end (1 minute)")
        : F($"{machine.ProcessorCount} CPUs");

    private static void Quality(StringBuilder md, QualityGateReport q)
    {
        md.AppendLine(F($"## Quality gate: {(q.Passed ? "passed" : "FAILED")}"));
        md.AppendLine();
        if (q.Sampled)
        {
            double level = q.LogProbabilities.Count == 0 ? 0 : q.LogProbabilities[0].Difference.Level;
            int pairs = q.LogProbabilities.Count == 0 ? 0 : q.Compared / q.LogProbabilities.Count;
            md.AppendLine(F($"Sampled: the target's mean log-probability per generated token, each mode against target-only paired by prompt and repetition ({pairs} pairs per mode); {level * 100:F2}% intervals (Bonferroni over the modes). Exact speculative sampling draws from the target's own distribution, so the difference must be consistent with 0. With a seed, adaptive drafting keeps its draft length fixed (so that the seed reproduces its tokens): it runs at its largest K."));
            md.AppendLine();
            md.AppendLine("| mode | target-only | mode | difference [interval] | agrees |");
            md.AppendLine("|---|---|---|---|---|");
            foreach (LogProbabilityComparison c in q.LogProbabilities)
            {
                md.AppendLine(F($"| {c.Mode} | {c.BaselineMean:F4} | {c.ModeMean:F4} | {c.Difference.Estimate:+0.0000;-0.0000} [{c.Difference.Lower:+0.0000;-0.0000}, {c.Difference.Upper:+0.0000;-0.0000}] | {(c.Agrees ? "yes" : "**no**")} |"));
            }
        }
        else if (q.DifferenceCount == 0)
        {
            md.AppendLine(F($"Greedy: all {q.Compared} speculative outputs equal target-only's token for token (and target-only repeated itself in every repetition)."));
        }
        else
        {
            md.AppendLine(F($"Greedy: {q.DifferenceCount} of {q.Compared} outputs differ from target-only's; the first {q.Differences.Count} below, at their first differing position. A top-2 margin near 0 is a numerical tie (a batched pass rounds differently); a large one is a fault in verification."));
            md.AppendLine();
            md.AppendLine("| mode | prompt | repetition | position | target-only token | mode token | target's top-2 logit margin |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            foreach (OutputDifference d in q.Differences)
            {
                md.AppendLine(F($"| {d.Mode} | {d.Prompt + 1} | {d.Repetition + 1} | {d.Position} | {d.Expected} | {d.Actual} | {d.TopTwoMargin:G4} |"));
            }
        }

        md.AppendLine();
    }

    private static void Modes(StringBuilder md, EvaluationReport report, bool constrained)
    {
        bool money = report.Options.PricePerCoreHour is not null;
        bool twins = report.Options.CompareUnconstrained;
        md.AppendLine("## Modes");
        md.AppendLine();
        string extra = (constrained ? "forced share | " : string.Empty) + (twins ? "speed-up over unconstrained | " : string.Empty);
        md.AppendLine(F($"| mode | α | accepted/round | target passes/token | decode tok/s | speed-up | {extra}across prompts p10 / median / p90 | TTFT ms p50 / p90 / p99 | TPOT ms p50 / p90 / p99 | CPU s / 1k tokens | {(money ? $"cost / M tokens at {report.Options.PricePerCoreHour} per core-hour | " : string.Empty)}CPU saving |"));
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|" + (money ? "---|" : string.Empty) + (constrained ? "---|" : string.Empty) + (twins ? "---|" : string.Empty));
        foreach (ModeReport m in report.Modes)
        {
            Spread s = m.SpeedupAcrossPrompts;
            Percentiles ttft = m.TimeToFirstTokenMilliseconds, tpot = m.TimePerOutputTokenMilliseconds;
            string cost = money ? F($" {m.CostPerMillionTokens:F4} |") : string.Empty;
            string cells = (constrained ? (m.Unconstrained ? "– | " : F($"{m.ForcedShare * 100:F1}% | ")) : string.Empty)
                + (twins ? (double.IsNaN(m.SpeedupOverUnconstrained) ? "– | " : F($"**{m.SpeedupOverUnconstrained:F2}×** | ")) : string.Empty);
            md.AppendLine(F($"| {m.Name} | {Alpha(m)} | {(m.Proposer is null ? "–" : m.MeanAcceptedLength.ToString("F2", CultureInfo.InvariantCulture))} | {m.TargetPassesPerToken:F3} | **{m.DecodeTokensPerSecond:F1}** [{m.DecodeTokensPerSecondMin:F1}–{m.DecodeTokensPerSecondMax:F1}] | **{m.Speedup:F2}×** [{m.SpeedupMin:F2}–{m.SpeedupMax:F2}] | {cells}{s.P10:F2} / {s.Median:F2} / {s.P90:F2} | {ttft.P50:F2} / {ttft.P90:F2} / {ttft.P99:F2} | {tpot.P50:F3} / {tpot.P90:F3} / {tpot.P99:F3} | {m.CpuSecondsPerThousandTokens:F2} |{cost} {(m.Proposer is null ? "–" : m.CpuSaving.ToString("+0%;-0%", CultureInfo.InvariantCulture))} |"));
        }

        md.AppendLine();
        if (twins)
        {
            md.AppendLine("An unconstrained mode's speed-up is over target-only unconstrained; speed-up over unconstrained is a constrained mode's decode rate ÷ its unconstrained twin's, paired by repetition (a constrained generation ends with its value, an unconstrained one runs to the token limit).");
            md.AppendLine();
        }

        md.AppendLine("Modes are compared by speed-up (each repetition's rate ÷ target-only's in the same repetition, then the median), which the recommendation and the speed-up chart use; decode tok/s is each mode's own median over the repetitions and can order the modes differently when the machine's speed changes during the run.");
        md.AppendLine();
    }

    private static void Outputs(StringBuilder md, EvalConstraint constraint)
    {
        md.AppendLine("## Constrained outputs");
        md.AppendLine();
        int complete = constraint.Outputs.Count(o => o.Complete);
        md.AppendLine(F($"Target-only's output of each prompt in the first repetition ({complete} of {constraint.Outputs.Count} complete values{(complete < constraint.Outputs.Count ? "; the others were cut at the token limit" : string.Empty)})."));
        md.AppendLine();
        for (int p = 0; p < constraint.Outputs.Count; p++)
        {
            md.AppendLine(F($"{p + 1}. {(constraint.Outputs[p].Complete ? "complete" : "cut")}: `{constraint.Outputs[p].Text.ReplaceLineEndings(" ").Replace("`", "'", StringComparison.Ordinal)}`"));
        }

        md.AppendLine();
    }

    private static void Positions(StringBuilder md, EvaluationReport report)
    {
        ModeReport[] drafting = [.. report.Modes.Where(m => m.AlphaByPosition.Count > 0)];
        if (drafting.Length == 0)
        {
            return;
        }

        int positions = drafting.Max(m => m.AlphaByPosition.Count);
        md.AppendLine("## α by draft position");
        md.AppendLine();
        md.AppendLine("| mode | " + string.Join(" | ", Enumerable.Range(1, positions)) + " |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", positions)));
        foreach (ModeReport m in drafting)
        {
            md.AppendLine(F($"| {m.Name} | ") + string.Join(" | ", Enumerable.Range(0, positions).Select(i => i < m.AlphaByPosition.Count && !double.IsNaN(m.AlphaByPosition[i]) ? m.AlphaByPosition[i].ToString("F3", CultureInfo.InvariantCulture) : "–")) + " |");
        }

        md.AppendLine();
    }

    private static void ContextPositions(StringBuilder md, EvaluationReport report)
    {
        ModeReport[] drafting = [.. report.Modes.Where(m => m.JudgedByContextPosition.Sum() > 0)];
        if (drafting.Length == 0)
        {
            return;
        }

        int width = drafting[0].ContextBucketWidth;
        int buckets = drafting[0].AlphaByContextPosition.Count;
        md.AppendLine("## α by context position");
        md.AppendLine();
        md.AppendLine("Where in the target's context the judged proposals sat (prompt length + generated tokens); – where none was judged.");
        md.AppendLine();
        md.AppendLine("| mode | " + string.Join(" | ", Enumerable.Range(0, buckets).Select(b => F($"{b * width}–{(b + 1) * width}"))) + " |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", buckets)));
        foreach (ModeReport m in drafting)
        {
            md.AppendLine(F($"| {m.Name} | ") + string.Join(" | ", m.AlphaByContextPosition.Select(a => double.IsNaN(a) ? "–" : a.ToString("F3", CultureInfo.InvariantCulture))) + " |");
        }

        md.AppendLine();
    }

    private static void Sweep(StringBuilder md, EvaluationReport report)
    {
        md.AppendLine("## K sweep: measured against predicted");
        md.AppendLine();
        foreach ((string proposer, StepCosts costs) in report.StepCosts)
        {
            md.AppendLine(F($"{proposer}: target step {costs.TargetStepMilliseconds:F3} ms back to back; v(K) = {string.Join(", ", costs.PassCost.OrderBy(p => p.Key).Select(p => F($"v({p.Key}) {p.Value:F2}")))}."));
            md.AppendLine();
        }

        md.AppendLine("| proposer | K | α | c | v(K) | predicted E(α,K)/(K·c + v(K)) | measured | measured ÷ predicted |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (SweepPoint p in report.Sweep)
        {
            md.AppendLine(F($"| {p.Proposer} | {p.DraftTokens} | {p.Alpha:F3} | {p.DraftCost:F4} | {p.PassCost:F2} | {p.Predicted:F2}× | **{p.Measured:F2}×** | {p.Measured / p.Predicted:F2} |"));
        }

        md.AppendLine();
    }

    private static void PerPrompt(StringBuilder md, EvaluationReport report)
    {
        ModeReport[] shown = [.. report.Modes.Where(m => m.Proposer is not null && (m.Adaptive || m.DraftTokens == report.Options.DraftTokens))];
        md.AppendLine(F($"## Per prompt (K = {report.Options.DraftTokens} and adaptive)"));
        md.AppendLine();
        md.AppendLine("| prompt | mode | α | accepted/round | target passes/token | decode tok/s | speed-up | TTFT ms |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        for (int p = 0; p < report.Prompts; p++)
        {
            PromptReport baseline = report.Modes[0].PerPrompt[p];
            md.AppendLine(F($"| {p + 1} | {report.Modes[0].Name} | – | – | {baseline.TargetPassesPerToken:F3} | {baseline.DecodeTokensPerSecond:F1} | 1.00× | {baseline.TimeToFirstTokenMilliseconds:F2} |"));
            foreach (ModeReport m in shown)
            {
                PromptReport r = m.PerPrompt[p];
                md.AppendLine(F($"| {p + 1} | {m.Name} | {r.Alpha:F3} | {r.MeanAcceptedLength:F2} | {r.TargetPassesPerToken:F3} | {r.DecodeTokensPerSecond:F1} | {r.Speedup:F2}× | {r.TimeToFirstTokenMilliseconds:F2} |"));
            }
        }

        md.AppendLine();
    }

    private static string Alpha(ModeReport m) => m.Proposer is null ? "–" : m.Alpha.ToString("F3", CultureInfo.InvariantCulture);

    private static string Shorten(string name) => name.Length <= 29 ? name : "…" + name[^28..];

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
