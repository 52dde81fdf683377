using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FastDraft.Text;

/// <summary>
/// What of <see cref="ChatOptions"/> the client takes beyond the common sampling options: the tools it can render and
/// parse, and the additional properties it maps to <see cref="GenerationOptions"/>; what it cannot honour is refused by
/// name, never ignored.
/// </summary>
internal static class ChatOptionsMapping
{
    /// <summary>The additional property that sets <see cref="GenerationOptions.MinP"/>.</summary>
    public const string MinP = "min_p";

    /// <summary>The additional property that sets <see cref="GenerationOptions.RepetitionPenalty"/>.</summary>
    public const string RepetitionPenalty = "repetition_penalty";

    /// <summary>
    /// Refuses what the client cannot honour, naming it: a tool that is not a function, a tool mode that requires a call
    /// (the client cannot force a model to call), tools with a template that cannot render them or whose replies it cannot
    /// parse, and a frequency penalty (only the presence penalty is implemented). JSON response formats are honoured (a
    /// <see cref="JsonConstraint"/>).
    /// </summary>
    /// <returns>The functions to offer the model; empty for none (no tools, or <see cref="ChatToolMode.None"/>).</returns>
    public static IReadOnlyList<AIFunctionDeclaration> Functions(ChatOptions? options, ChatTemplate template)
    {
        if (options is null)
        {
            return [];
        }

        string? unsupported =
            options.FrequencyPenalty is { } penalty && penalty != 0f ? "ChatOptions.FrequencyPenalty (only PresencePenalty is implemented)" :
            null;
        if (options.Tools is { Count: > 0 } tools && options.ToolMode is not NoneChatToolMode)
        {
            unsupported ??=
                tools.FirstOrDefault(t => t is not AIFunctionDeclaration) is { } other ? $"ChatOptions.Tools other than functions ('{other.Name}', {other.GetType().Name})" :
                options.ToolMode is RequiredChatToolMode required ? $"ChatOptions.ToolMode {(required.RequiredFunctionName is { } name ? $"RequireSpecific('{name}')" : "RequireAny")} (a model cannot be made to call a tool; use Auto)" :
                template.Jinja is null ? $"ChatOptions.Tools with the hard-coded {template.Format} format (tools need the model's own chat template)" :
                template.ToolCalls == ToolCallSyntax.None ? "ChatOptions.Tools with a chat template of no known tool-call format (Hermes/Qwen <tool_call>, Llama 3 JSON, Phi-4-mini/Granite <|tool_call|>, Mistral [TOOL_CALLS])" :
                null;
        }

        if (unsupported is not null)
        {
            throw new NotSupportedException($"The FastDraft chat client does not support {unsupported}.");
        }

        return options.Tools is { Count: > 0 } offered && options.ToolMode is not NoneChatToolMode ? [.. offered.Cast<AIFunctionDeclaration>()] : [];
    }

    /// <summary>
    /// Applies <see cref="ChatOptions.AdditionalProperties"/>: <c>min_p</c> (<see cref="GenerationOptions.MinP"/>) and
    /// <c>repetition_penalty</c> (<see cref="GenerationOptions.RepetitionPenalty"/>), numbers; any other key is refused.
    /// </summary>
    public static GenerationOptions ApplyAdditionalProperties(GenerationOptions generation, AdditionalPropertiesDictionary? properties)
    {
        if (properties is not { Count: > 0 })
        {
            return generation;
        }

        string[] unknown = [.. properties.Keys.Where(k => k is not (MinP or RepetitionPenalty))];
        if (unknown.Length > 0)
        {
            throw new NotSupportedException($"The FastDraft chat client does not support ChatOptions.AdditionalProperties ({string.Join(", ", unknown)}): the keys it maps are {MinP} and {RepetitionPenalty}.");
        }

        return generation with
        {
            MinP = properties.TryGetValue(MinP, out object? minP) ? Number(MinP, minP) : generation.MinP,
            RepetitionPenalty = properties.TryGetValue(RepetitionPenalty, out object? penalty) ? Number(RepetitionPenalty, penalty) : generation.RepetitionPenalty,
        };
    }

    private static float Number(string key, object? value) => value switch
    {
        float f => f,
        double d => (float)d,
        decimal m => (float)m,
        int or long or short or byte => Convert.ToSingle(value, CultureInfo.InvariantCulture),
        JsonElement { ValueKind: JsonValueKind.Number } json => json.GetSingle(),
        string text when float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float parsed) => parsed,
        _ => throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{key}\"] must be a number, not {value ?? "null"}."),
    };
}
