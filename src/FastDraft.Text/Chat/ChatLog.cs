using Microsoft.Extensions.Logging;

namespace FastDraft.Text;

/// <summary>The chat client's log messages (source-generated).</summary>
internal static partial class ChatLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Chat client over model {Model} (speculative: {HasDraft}, context {ContextLength} tokens, template {Format}, tool calls {ToolCalls})")]
    public static partial void Created(ILogger logger, string model, bool hasDraft, int contextLength, ChatFormat format, ToolCallSyntax toolCalls);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Chat reply: {PromptTokens} prompt tokens, at most {MaxTokens}, {GeneratedTokens} generated, finish {FinishReason}, {ToolCalls} tool calls, {DraftedTokens} drafted, {AcceptedTokens} accepted, {DurationMs:F1} ms")]
    public static partial void Responded(ILogger logger, int promptTokens, int maxTokens, int generatedTokens, string finishReason, int toolCalls, int draftedTokens, int acceptedTokens, double durationMs);
}
