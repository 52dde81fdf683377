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
    public const string Combined = "combined";

    /// <summary>The outcome of a generation whose consumer disposed its enumerator before the end.</summary>
    public const string Abandoned = "abandoned";
    public const string Cancelled = "cancelled";
    public const string Error = "error";

    private static readonly Dictionary<StopReason, string> Outcomes = Enum.GetValues<StopReason>().ToDictionary(r => r, r => SnakeCase(r.ToString()));

    /// <summary>The mode of a generation with <paramref name="draft"/>: target only, a draft model, n-gram lookup, or both combined.</summary>
    public static string ModeOf(IDraftModel? draft) => draft switch
    {
        null => TargetOnly,
        NGramDraftModel => NGram,
        CombinedDraftModel => Combined,
        _ => DraftModel,
    };

    /// <summary>The outcome of a generation that stopped for <paramref name="reason"/>: its name in snake case (<c>max_new_tokens</c>, <c>stop_sequence</c>…).</summary>
    public static string OutcomeOf(StopReason reason) => Outcomes.TryGetValue(reason, out string? outcome) ? outcome : Error;

    /// <summary>
    /// The finish reason of a generation that stopped for <paramref name="reason"/>, in the GenAI conventions' (and
    /// OpenAI's) terms: <c>length</c> when a token limit ended it (<c>MaxNewTokens</c>, or the context filling up),
    /// <c>stop</c> when the model or a stop condition did; <see langword="null"/> for <see cref="StopReason.None"/>. The one
    /// mapping: <see cref="GenerationStats.FinishReason"/>, the span's <c>gen_ai.response.finish_reasons</c> and the chat
    /// client's <c>ChatFinishReason</c> all read it. <c>fastdraft.outcome</c> keeps the finer <see cref="StopReason"/>.
    /// </summary>
    public static string? FinishReasonOf(StopReason reason) => reason switch
    {
        StopReason.None => null,
        StopReason.MaxNewTokens or StopReason.ContextLimit => "length",
        _ => "stop",
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
