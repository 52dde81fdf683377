using System.Text.Json;
using FastDraft.Demo;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Tool;

namespace FastDraft.Tests.Text.Jinja;

/// <summary><c>render-chat</c> on the demo and the tool: stdout is exactly what jinja2 rendered, and a refusal is a one-line error.</summary>
public sealed class RenderChatCommandTests
{
    /// <summary>A model folder whose tokenizer_config.json carries a suite template (with its special tokens).</summary>
    private static string ModelFolder(string template)
    {
        string folder = TestModels.Scratch("render-chat-" + template);
        string data = ChatTemplateSuiteTests.Folder;
        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "templates", template + ".json")));
        var config = sidecar.RootElement.GetProperty("special_tokens").EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value.GetString()!);
        config["chat_template"] = File.ReadAllText(Path.Combine(data, "templates", template + ".jinja"));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), JsonSerializer.Serialize(config));
        return folder;
    }

    private static string Expected(string template, string key)
    {
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(ChatTemplateSuiteTests.Folder, "expected", template + ".json")));
        return expected.RootElement.GetProperty(key).GetProperty("text").GetString()!;
    }

    private static async Task<(int Code, string Output, string Error)> Run(bool tool, string[] args)
    {
        if (tool)
        {
            return await ToolRuns.RunAsync(args);
        }

        var output = new StringWriter();
        var error = new StringWriter();
        int code = await DemoApp.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RenderChat_PrintsExactlyTheRenderedPrompt(bool tool)
    {
        string conversations = Path.Combine(ChatTemplateSuiteTests.Folder, "conversations");
        string tools = Path.Combine(TestModels.Scratch("render-chat-tools"), "tools.json");
        using (JsonDocument toolCalls = JsonDocument.Parse(File.ReadAllText(Path.Combine(conversations, "tool-calls.json"))))
        {
            File.WriteAllText(tools, toolCalls.RootElement.GetProperty("tools").GetRawText());
        }

        (int code, string output, string error) = await Run(tool, ["render-chat", "--model", ModelFolder("qwen2.5"), "--messages", Path.Combine(conversations, "tool-calls.json"), "--tools", tools]);
        Assert.True(code == 0, error);
        Assert.Equal(Expected("qwen2.5", "tool-calls|gen"), output);

        (code, output, error) = await Run(tool, ["render-chat", "--model", ModelFolder("gemma-3"), "--messages", Path.Combine(conversations, "multi-turn.json"), "--no-generation-prompt"]);
        Assert.True(code == 0, error);
        Assert.Equal(Expected("gemma-3", "multi-turn|nogen"), output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RenderChat_TemplateRefusesTheConversation_IsAOneLineError(bool tool)
    {
        string conversation = Path.Combine(ChatTemplateSuiteTests.Folder, "conversations", "system-user.json");

        (int code, string output, string error) = await Run(tool, ["render-chat", "--model", ModelFolder("gemma-2"), "--messages", conversation]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("System role not supported", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }
}
