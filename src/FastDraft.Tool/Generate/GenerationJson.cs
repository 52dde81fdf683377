using System.Text.Json.Nodes;

namespace FastDraft.Tool;

/// <summary>
/// <c>generate --json</c>'s document, shaped as the demo's <c>generate --json</c> (a test compares the two on the demo
/// pair), with <c>schema_version</c> first: <c>prompt_ids</c> and <c>text</c> for a text prompt, <c>ids</c>, and <c>stats</c>.
/// </summary>
internal static class GenerationJson
{
    public static JsonObject Document(IReadOnlyList<int>? promptIds, string? text, IReadOnlyList<int> ids, GenerationStats stats)
    {
        var document = new Dictionary<string, object>();
        if (promptIds is not null && text is not null)
        {
            document["prompt_ids"] = promptIds;
            document["text"] = text;
        }

        document["ids"] = ids;
        document["stats"] = new Dictionary<string, object>
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
        return ToolJson.Document(document);
    }
}
