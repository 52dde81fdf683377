using System.Text.Json.Nodes;

namespace FastDraft.Tool;

/// <summary>
/// <c>generate --json</c>'s document: <c>prompt_ids</c> and <c>text</c> for a text prompt, <c>ids</c>, and <c>stats</c>
/// (with <c>grammar_tokens</c>, the tokens a JSON constraint forced, when the output was constrained).
/// The demo's <c>generate --json</c> prints <see cref="Fields"/> as they are; the tool's document puts <c>schema_version</c> first.
/// </summary>
internal static class GenerationJson
{
    /// <summary>Returns the tool's document: <see cref="Fields"/> with <c>schema_version</c> first.</summary>
    public static JsonObject Document(IReadOnlyList<int>? promptIds, string? text, IReadOnlyList<int> ids, GenerationStats stats, bool constrained) =>
        ToolJson.Document(Fields(promptIds, text, ids, stats, constrained));

    /// <summary>
    /// Returns the document's fields, in order, for a serializer: the demo serializes them with the serializer's defaults
    /// (its document's text has always been escaped so), the tool with <see cref="ToolJson"/>'s settings.
    /// </summary>
    public static Dictionary<string, object> Fields(IReadOnlyList<int>? promptIds, string? text, IReadOnlyList<int> ids, GenerationStats stats, bool constrained)
    {
        var document = new Dictionary<string, object>();
        if (promptIds is not null && text is not null)
        {
            document["prompt_ids"] = promptIds;
            document["text"] = text;
        }

        document["ids"] = ids;
        var fields = new Dictionary<string, object>
        {
            ["target_calls"] = stats.TargetCalls,
            ["draft_calls"] = stats.DraftCalls,
            ["drafted"] = stats.DraftedTokens,
            ["accepted"] = stats.AcceptedTokens,
            ["acceptance_rate"] = stats.AcceptanceRate,
            ["mean_accepted_length"] = stats.MeanAcceptedLength,
            ["tokens_per_second"] = stats.TokensPerSecond,
            ["stop_reason"] = stats.StopReason.ToString(),
        };
        if (constrained)
        {
            fields["grammar_tokens"] = stats.GrammarTokens;
        }

        document["stats"] = fields;
        return document;
    }
}
