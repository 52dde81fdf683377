namespace FastDraft.Text;

/// <summary>How a model family writes tool calls in its reply; recognised from the markers its chat template uses.</summary>
internal enum ToolCallSyntax
{
    /// <summary>No tool-call format the client parses.</summary>
    None,

    /// <summary>Hermes / Qwen: <c>&lt;tool_call&gt;{"name": …, "arguments": {…}}&lt;/tool_call&gt;</c>, one block per call.</summary>
    Hermes,

    /// <summary>Llama 3.x: the reply is <c>{"name": …, "parameters": {…}}</c>, possibly after <c>&lt;|python_tag|&gt;</c>.</summary>
    Llama3Json,

    /// <summary>Phi-4-mini and Granite: <c>&lt;|tool_call|&gt;[{"name": …, "arguments": {…}}, …]</c>, closed by <c>&lt;|/tool_call|&gt;</c> or the end.</summary>
    ToolCallList,

    /// <summary>Mistral: <c>[TOOL_CALLS] [{"name": …, "arguments": {…}}, …]</c>, or the v11 form <c>[TOOL_CALLS]name[ARGS]{…}</c>.</summary>
    Mistral,
}
