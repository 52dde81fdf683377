namespace FastDraft.Text;

/// <summary>The markup of each <see cref="ToolCallSyntax"/>, and the recognition of a syntax from a chat template.</summary>
internal static class ToolCallMarkers
{
    public const string HermesOpen = "<tool_call>";
    public const string HermesClose = "</tool_call>";
    public const string PythonTag = "<|python_tag|>";
    public const string ListOpen = "<|tool_call|>";
    public const string ListClose = "<|/tool_call|>";
    public const string MistralOpen = "[TOOL_CALLS]";
    public const string MistralArgs = "[ARGS]";

    /// <summary>Recognises the tool-call syntax of a template by the markers it writes (the ones the family's replies use).</summary>
    public static ToolCallSyntax Recognize(string? template) => template switch
    {
        null => ToolCallSyntax.None,
        _ when template.Contains(HermesOpen, StringComparison.Ordinal) => ToolCallSyntax.Hermes,
        _ when template.Contains(MistralOpen, StringComparison.Ordinal) => ToolCallSyntax.Mistral,
        _ when template.Contains(ListOpen, StringComparison.Ordinal) || (template.Contains("<|tool|>", StringComparison.Ordinal) && template.Contains("<|/tool|>", StringComparison.Ordinal)) => ToolCallSyntax.ToolCallList,
        _ when template.Contains("<|start_header_id|>", StringComparison.Ordinal) && template.Contains("\"parameters\"", StringComparison.Ordinal) => ToolCallSyntax.Llama3Json,
        _ => ToolCallSyntax.None,
    };

    /// <summary>The marker that opens a call (Llama 3: the python tag; a bare <c>{</c> at the start counts too).</summary>
    public static string Open(ToolCallSyntax syntax) => syntax switch
    {
        ToolCallSyntax.Hermes => HermesOpen,
        ToolCallSyntax.Llama3Json => PythonTag,
        ToolCallSyntax.ToolCallList => ListOpen,
        ToolCallSyntax.Mistral => MistralOpen,
        _ => string.Empty,
    };

    /// <summary>Every marker of the syntax: those that are special tokens decode to nothing, so the client puts their text back.</summary>
    public static IEnumerable<string> All(ToolCallSyntax syntax) => syntax switch
    {
        ToolCallSyntax.Hermes => [HermesOpen, HermesClose],
        ToolCallSyntax.Llama3Json => [PythonTag],
        ToolCallSyntax.ToolCallList => [ListOpen, ListClose],
        ToolCallSyntax.Mistral => [MistralOpen, MistralArgs],
        _ => [],
    };
}
