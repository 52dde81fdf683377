using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using FastDraft.Evaluation;

namespace FastDraft.Tool;

/// <summary>
/// The evaluation as one JSON document (the <c>eval.json</c> file, and with <c>--json</c> the whole of stdout).
/// Fixed for scripts: <c>schema_version</c>, <c>quality_gate_passed</c>, <c>recommendation</c> (<c>mode</c>, <c>label</c>,
/// <c>reason</c>), <c>warnings</c> (sentences), and <c>modes</c>, an object by mode identifier (<c>target_only</c>,
/// <c>draft_k4</c>, <c>draft_adaptive</c>, <c>ngram_3_k2</c>: <see cref="ModeIds"/>) whose entries hold <c>mode</c>, <c>label</c>
/// (the display name, <c>draft K=4</c>) and at least <c>alpha</c>, <c>speedup_median</c>, <c>speedup_p10</c>,
/// <c>speedup_p90</c> (across prompts) and <c>tokens_per_second</c>. Values that do not exist (α at a position never judged) are null.
/// Under <c>--json-object</c>/<c>--json-schema</c>, <c>constraint</c> holds <c>kind</c>, <c>file</c> and target-only's <c>outputs</c>
/// (null without one), and every mode <c>grammar_tokens</c> and <c>forced_share</c> (forced ÷ generated tokens); with
/// <c>--compare-unconstrained</c>, the <c>..._unconstrained</c> modes (<c>unconstrained</c>: true) and each constrained mode's
/// <c>speedup_over_unconstrained</c>.
/// </summary>
internal static class EvalJson
{
    public static string Write(EvaluationReport report, EvalContext context, bool indented)
    {
        EvaluationOptions o = report.Options;
        var ids = new ModeIds(report);
        var modes = new JsonObject();
        foreach (ModeReport m in report.Modes)
        {
            modes[ids.Mode(m.Name)] = Mode(m, ids);
        }

        var document = ToolJson.Document(new JsonObject
        {
            ["quality_gate_passed"] = report.Quality.Passed,
            ["recommendation"] = new JsonObject { ["mode"] = ids.Mode(report.Recommendation.Mode), ["label"] = report.Recommendation.Mode, ["reason"] = report.Recommendation.Reason },
            ["warnings"] = new JsonArray([.. report.Warnings.Select(w => (JsonNode)w)]),
            ["modes"] = modes,
            ["constraint"] = Constraint(context.Constraint),
            ["quality_gate"] = Quality(report.Quality, ids),
            ["k_sweep"] = new JsonArray([.. report.Sweep.Select(p => (JsonNode)new JsonObject
            {
                ["proposer"] = ids.ProposerId(p.Proposer),
                ["proposer_label"] = p.Proposer,
                ["k"] = p.DraftTokens,
                ["alpha"] = Number(p.Alpha),
                ["c"] = Number(p.DraftCost),
                ["v"] = Number(p.PassCost),
                ["predicted_speedup"] = Number(p.Predicted),
                ["measured_speedup"] = Number(p.Measured),
            })]),
            ["step_costs"] = new JsonObject([.. report.StepCosts.Select(c => KeyValuePair.Create(ids.ProposerId(c.Key), (JsonNode?)new JsonObject
            {
                ["target_step_ms"] = Number(c.Value.TargetStepMilliseconds),
                ["v"] = ByK(c.Value.PassCost),
                ["c"] = ByK(c.Value.DraftCost),
            }))]),
            ["target"] = context.Target,
            ["drafts"] = new JsonArray([.. context.Drafts.Select(d => (JsonNode)d)]),
            ["prompts_file"] = context.Prompts,
            ["prompts"] = report.Prompts,
            ["max_new_tokens"] = o.MaxNewTokens,
            ["repetitions"] = o.Repetitions,
            ["draft_tokens"] = o.DraftTokens,
            ["temperature"] = o.Temperature,
            ["price_per_core_hour"] = o.PricePerCoreHour,
            ["elapsed_seconds"] = Math.Round(report.Elapsed.TotalSeconds, 1),
            ["machine"] = new JsonObject
            {
                ["cpus"] = report.Machine.ProcessorCount,
                ["load_average_start"] = Load(report.Machine.AtStart),
                ["load_average_end"] = Load(report.Machine.AtEnd),
                ["busy"] = report.Machine.Busy,
                ["os"] = RuntimeInformation.OSDescription,
                ["dotnet"] = RuntimeInformation.FrameworkDescription,
                ["date_utc"] = context.DateUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            },
        });
        return ToolJson.Serialize(document, indented);
    }

    private static JsonObject Mode(ModeReport m, ModeIds ids) => new()
    {
        ["mode"] = ids.Mode(m.Name),
        ["label"] = m.Name,
        ["proposer"] = m.Proposer is null ? null : ids.ProposerId(m.Proposer),
        ["k"] = m.DraftTokens,
        ["adaptive"] = m.Adaptive,
        ["unconstrained"] = m.Unconstrained,
        ["grammar_tokens"] = m.GrammarTokens,
        ["forced_share"] = Number(m.ForcedShare),
        ["speedup_over_unconstrained"] = Number(m.SpeedupOverUnconstrained),
        ["alpha"] = Number(m.Alpha),
        ["alpha_by_position"] = new JsonArray([.. m.AlphaByPosition.Select(Number)]),
        ["alpha_by_context_position"] = new JsonArray([.. m.AlphaByContextPosition.Select((a, b) => (JsonNode)new JsonObject
        {
            ["start"] = b * m.ContextBucketWidth,
            ["end"] = (b + 1) * m.ContextBucketWidth,
            ["judged"] = m.JudgedByContextPosition[b],
            ["alpha"] = Number(a),
        })]),
        ["mean_accepted_length"] = Number(m.MeanAcceptedLength),
        ["target_passes_per_token"] = Number(m.TargetPassesPerToken),
        ["tokens_per_second"] = Number(m.DecodeTokensPerSecond),
        ["tokens_per_second_min"] = Number(m.DecodeTokensPerSecondMin),
        ["tokens_per_second_max"] = Number(m.DecodeTokensPerSecondMax),
        ["speedup"] = Number(m.Speedup),
        ["speedup_min"] = Number(m.SpeedupMin),
        ["speedup_max"] = Number(m.SpeedupMax),
        ["speedup_median"] = Number(m.SpeedupAcrossPrompts.Median),
        ["speedup_p10"] = Number(m.SpeedupAcrossPrompts.P10),
        ["speedup_p90"] = Number(m.SpeedupAcrossPrompts.P90),
        ["ttft_ms"] = Tail(m.TimeToFirstTokenMilliseconds),
        ["tpot_ms"] = Tail(m.TimePerOutputTokenMilliseconds),
        ["cpu_seconds_per_1k_tokens"] = Number(m.CpuSecondsPerThousandTokens),
        ["cost_per_million_tokens"] = m.CostPerMillionTokens is double cost ? Number(cost) : null,
        ["cpu_saving"] = Number(m.CpuSaving),
        ["per_prompt"] = new JsonArray([.. m.PerPrompt.Select(p => (JsonNode)new JsonObject
        {
            ["prompt"] = p.Prompt,
            ["alpha"] = Number(p.Alpha),
            ["mean_accepted_length"] = Number(p.MeanAcceptedLength),
            ["target_passes_per_token"] = Number(p.TargetPassesPerToken),
            ["tokens_per_second"] = Number(p.DecodeTokensPerSecond),
            ["speedup"] = Number(p.Speedup),
            ["ttft_ms"] = Number(p.TimeToFirstTokenMilliseconds),
        })]),
    };

    private static JsonObject? Constraint(EvalConstraint? constraint) => constraint is null ? null : new JsonObject
    {
        ["kind"] = constraint.Kind,
        ["file"] = constraint.File,
        ["complete_outputs"] = constraint.Outputs.Count(o => o.Complete),
        ["outputs"] = new JsonArray([.. constraint.Outputs.Select((o, p) => (JsonNode)new JsonObject { ["prompt"] = p, ["text"] = o.Text, ["complete"] = o.Complete })]),
    };

    private static JsonObject Quality(QualityGateReport q, ModeIds ids) => new()
    {
        ["passed"] = q.Passed,
        ["sampled"] = q.Sampled,
        ["compared"] = q.Compared,
        ["differences"] = q.DifferenceCount,
        ["listed"] = new JsonArray([.. q.Differences.Select(d => (JsonNode)new JsonObject
        {
            ["mode"] = ids.Mode(d.Mode),
            ["prompt"] = d.Prompt,
            ["repetition"] = d.Repetition,
            ["position"] = d.Position,
            ["expected"] = d.Expected,
            ["actual"] = d.Actual,
            ["top2_margin"] = Number(d.TopTwoMargin),
        })]),
        ["log_probabilities"] = new JsonArray([.. q.LogProbabilities.Select(c => (JsonNode)new JsonObject
        {
            ["mode"] = ids.Mode(c.Mode),
            ["baseline_mean"] = Number(c.BaselineMean),
            ["mode_mean"] = Number(c.ModeMean),
            ["difference"] = Number(c.Difference.Estimate),
            ["lower"] = Number(c.Difference.Lower),
            ["upper"] = Number(c.Difference.Upper),
            ["level"] = Number(c.Difference.Level),
            ["agrees"] = c.Agrees,
        })]),
    };

    /// <summary>The 1-, 5- and 15-minute load averages, or null where the system does not report them.</summary>
    private static JsonObject? Load(LoadAverage? load) => load is { } l
        ? new JsonObject { ["one_minute"] = Number(l.OneMinute), ["five_minutes"] = Number(l.FiveMinutes), ["fifteen_minutes"] = Number(l.FifteenMinutes) }
        : null;

    private static JsonObject Tail(Percentiles p) => new() { ["p50"] = Number(p.P50), ["p90"] = Number(p.P90), ["p99"] = Number(p.P99) };

    private static JsonObject ByK(IReadOnlyDictionary<int, double> values) =>
        new([.. values.OrderBy(v => v.Key).Select(v => KeyValuePair.Create(v.Key.ToString(CultureInfo.InvariantCulture), Number(v.Value)))]);

    /// <summary>A finite number rounded to 6 significant decimals, or null (JSON has no NaN).</summary>
    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 6)) : null;
}
