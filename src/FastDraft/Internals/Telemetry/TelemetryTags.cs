using System.Text;

namespace FastDraft.Internals.Telemetry;

/// <summary>Attribute names and the values FastDraft gives them, on metrics and spans.</summary>
internal static class TelemetryTags
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string TokenType = "gen_ai.token.type";
    public const string ErrorType = "error.type";
    public const string Mode = "fastdraft.mode";
    public const string Outcome = "fastdraft.outcome";

    /// <summary>The operation a generation is, in the GenAI conventions' terms: a completion of a token sequence.</summary>
    public const string TextCompletion = "text_completion";

    public const string TargetOnly = "target_only";
    public const string DraftModel = "draft_model";
    public const string NGram = "ngram";

    /// <summary>The outcome of a generation whose consumer disposed its enumerator before the end.</summary>
    public const string Abandoned = "abandoned";
    public const string Cancelled = "cancelled";
    public const string Error = "error";

    private static readonly Dictionary<StopReason, string> Outcomes = Enum.GetValues<StopReason>().ToDictionary(r => r, r => SnakeCase(r.ToString()));

    /// <summary>The mode of a generation with <paramref name="draft"/>: target only, a draft model, or n-gram lookup.</summary>
    public static string ModeOf(IDraftModel? draft) => draft switch
    {
        null => TargetOnly,
        NGramDraftModel => NGram,
        _ => DraftModel,
    };

    /// <summary>The outcome of a generation that stopped for <paramref name="reason"/>: its name in snake case (<c>max_new_tokens</c>, <c>stop_sequence</c>…).</summary>
    public static string OutcomeOf(StopReason reason) => Outcomes.TryGetValue(reason, out string? outcome) ? outcome : Error;

    /// <summary>The <c>gen_ai.response.finish_reasons</c> entry of a generation that stopped for <paramref name="reason"/>.</summary>
    public static string FinishReasonOf(StopReason reason) => reason switch
    {
        StopReason.MaxNewTokens => "length",
        StopReason.EndOfSequence or StopReason.StopToken or StopReason.StopSequence => "stop",
        _ => OutcomeOf(reason),
    };

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (char c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
