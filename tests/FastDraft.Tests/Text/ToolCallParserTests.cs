using System.Text.Json;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Text;

public sealed class ToolCallParserTests
{
    /// <summary>Feeds a reply in pieces of <paramref name="piece"/> characters; returns the text shown as it streamed, the rest, the calls and the text after them.</summary>
    private static (string Streamed, string Remaining, IReadOnlyList<FunctionCallContent> Calls, string After) Parse(ToolCallSyntax syntax, string reply, int piece = 1)
    {
        var parser = new ToolCallParser(syntax);
        string streamed = string.Empty;
        for (int i = 0; i < reply.Length; i += piece)
        {
            streamed += parser.Append(reply.Substring(i, Math.Min(piece, reply.Length - i)));
        }

        (string rest, IReadOnlyList<FunctionCallContent> calls, string after) = parser.Finish();
        return (streamed, rest, calls, after);
    }

    private static string Arguments(FunctionCallContent call) => string.Join(",", call.Arguments!.Select(a => $"{a.Key}={((JsonElement)a.Value!).GetRawText()}"));

    [Theory]
    [InlineData(nameof(ToolCallSyntax.Hermes), "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 3}}\n</tool_call>")]
    [InlineData(nameof(ToolCallSyntax.Llama3Json), "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}; {\"name\": \"add\", \"parameters\": {\"a\": 2, \"b\": 3}}")]
    [InlineData(nameof(ToolCallSyntax.Llama3Json), "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}{\"name\": \"add\", \"parameters\": \"{\\\"a\\\": 2, \\\"b\\\": 3}\"}")]
    [InlineData(nameof(ToolCallSyntax.ToolCallList), "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}, {\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 3}}]<|/tool_call|>")]
    [InlineData(nameof(ToolCallSyntax.ToolCallList), "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]<|tool_call|>[{\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 3}}]")]
    [InlineData(nameof(ToolCallSyntax.Mistral), "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}, {\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 3}}]")]
    [InlineData(nameof(ToolCallSyntax.Mistral), "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]add[ARGS]{\"a\": 2, \"b\": 3}")]
    public void EachFamily_ParsesItsCalls_WithNewIds(string syntaxName, string reply)
    {
        ToolCallSyntax syntax = Enum.Parse<ToolCallSyntax>(syntaxName);
        foreach (int piece in new[] { 1, 3, reply.Length })
        {
            (string streamed, string rest, IReadOnlyList<FunctionCallContent> calls, string after) = Parse(syntax, reply, piece);
            Assert.Equal(string.Empty, streamed + rest + after);
            Assert.Equal(["get_weather", "add"], calls.Select(c => c.Name));
            Assert.Equal("city=\"Paris\"", Arguments(calls[0]));
            Assert.Equal("a=2,b=3", Arguments(calls[1]));
            Assert.All(calls, c => Assert.Matches("^[A-Za-z0-9]{9}$", c.CallId));
            Assert.NotEqual(calls[0].CallId, calls[1].CallId);
        }
    }

    [Theory]
    [InlineData(nameof(ToolCallSyntax.Hermes), "Let me check. <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call> Done.", "Let me check. ", " Done.")]
    [InlineData(nameof(ToolCallSyntax.Mistral), "Sure.[TOOL_CALLS] [{\"name\": \"f\", \"arguments\": {}, \"id\": \"abcDEF123\"}]", "Sure.", "")]
    [InlineData(nameof(ToolCallSyntax.ToolCallList), "I'll call it: <|tool_call|>[{\"name\": \"f\"}]", "I'll call it: ", "")]
    public void TextBeforeACall_StreamsAtOnce_AndTextAfterItIsKept(string syntaxName, string reply, string before, string after)
    {
        ToolCallSyntax syntax = Enum.Parse<ToolCallSyntax>(syntaxName);
        (string streamed, string rest, IReadOnlyList<FunctionCallContent> calls, string trailing) = Parse(syntax, reply);
        Assert.Equal(before, streamed);
        Assert.Equal(string.Empty, rest);
        Assert.Equal("f", Assert.Single(calls).Name);
        Assert.Equal(after, trailing);
        if (syntax == ToolCallSyntax.Mistral)
        {
            Assert.Equal("abcDEF123", calls[0].CallId); // a model's own id is kept
        }
    }

    [Fact]
    public void APossibleMarker_IsHeldBack_UntilItIsOrIsNotOne()
    {
        var parser = new ToolCallParser(ToolCallSyntax.Hermes);
        Assert.Equal("a ", parser.Append("a <tool"));
        Assert.Equal("<toolbox", parser.Append("box"));
        Assert.Equal(" ", parser.Append(" <"));
        (string rest, IReadOnlyList<FunctionCallContent> calls, _) = parser.Finish();
        Assert.Equal("<", rest);
        Assert.Empty(calls);
    }

    [Theory]
    [InlineData(nameof(ToolCallSyntax.Hermes), "Here: <tool_call>{\"name\": \"f\", \"arguments\": {\"x\": </tool_call>", "Here: ")]
    [InlineData(nameof(ToolCallSyntax.Hermes), "<tool_call>{\"arguments\": {}}</tool_call>", "")]
    [InlineData(nameof(ToolCallSyntax.Llama3Json), "{\"name\": \"f\", \"parameters\": [1, 2]}", "")]
    [InlineData(nameof(ToolCallSyntax.Llama3Json), "{not json at all}", "")]
    [InlineData(nameof(ToolCallSyntax.Mistral), "[TOOL_CALLS] [{\"name\": \"f\", \"arguments\": {}}", "")]
    [InlineData(nameof(ToolCallSyntax.ToolCallList), "<|tool_call|>[]", "")]
    public void MalformedMarkup_IsKeptAsText_Unchanged(string syntaxName, string reply, string streamedBefore)
    {
        ToolCallSyntax syntax = Enum.Parse<ToolCallSyntax>(syntaxName);
        (string streamed, string rest, IReadOnlyList<FunctionCallContent> calls, string after) = Parse(syntax, reply);
        Assert.Empty(calls);
        Assert.Equal(streamedBefore, streamed);
        Assert.Equal(reply, streamed + rest + after);
    }

    [Theory]
    [InlineData(nameof(ToolCallSyntax.Llama3Json), "  The answer is {x}.")]
    [InlineData(nameof(ToolCallSyntax.None), "<tool_call>{\"name\": \"f\"}</tool_call>")]
    [InlineData(nameof(ToolCallSyntax.Hermes), "No tools needed.")]
    public void PlainReplies_PassThrough(string syntaxName, string reply)
    {
        ToolCallSyntax syntax = Enum.Parse<ToolCallSyntax>(syntaxName);
        (string streamed, string rest, IReadOnlyList<FunctionCallContent> calls, string after) = Parse(syntax, reply);
        Assert.Empty(calls);
        Assert.Equal(reply, streamed + rest + after);
        Assert.True(streamed.Length >= reply.Length - 1, "only a possible marker's first characters may be held");
    }

    [Theory]
    [InlineData("qwen2.5", nameof(ToolCallSyntax.Hermes))]
    [InlineData("qwen3", nameof(ToolCallSyntax.Hermes))]
    [InlineData("llama-3.1-3.3", nameof(ToolCallSyntax.Llama3Json))]
    [InlineData("llama-3.2", nameof(ToolCallSyntax.Llama3Json))]
    [InlineData("phi-4-mini", nameof(ToolCallSyntax.ToolCallList))]
    [InlineData("granite-3.3", nameof(ToolCallSyntax.ToolCallList))]
    [InlineData("mistral-v0.3", nameof(ToolCallSyntax.Mistral))]
    [InlineData("mistral-small-3.1", nameof(ToolCallSyntax.Mistral))]
    [InlineData("gemma-3", nameof(ToolCallSyntax.None))]
    [InlineData("chatml", nameof(ToolCallSyntax.None))]
    public void Family_IsRecognisedFromTheTemplate(string template, string expected)
    {
        string source = File.ReadAllText(Path.Combine(Jinja.ChatTemplateSuiteTests.Folder, "templates", template + ".jinja"));
        Assert.Equal(Enum.Parse<ToolCallSyntax>(expected), ToolCallMarkers.Recognize(source));
    }
}
