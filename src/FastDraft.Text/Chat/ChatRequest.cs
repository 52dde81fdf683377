namespace FastDraft.Text;

/// <summary>A checked chat request: the prompt, the generation options, how many oldest messages were left out, and how to parse tool calls in the reply.</summary>
internal readonly record struct ChatRequest(ReadOnlyMemory<int> Prompt, GenerationOptions Options, int DroppedMessages, ToolCallSyntax ToolCalls);
