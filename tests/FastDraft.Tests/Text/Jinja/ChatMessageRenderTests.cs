using System.Text.Json;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Text.Jinja;

/// <summary>Microsoft.Extensions.AI messages (text, function calls, function results) reach a template in the transformers message shape.</summary>
public sealed class ChatMessageRenderTests
{
    [Fact]
    public void FunctionCallsAndResults_RenderAsTheJsonConversationDoes()
    {
        string folder = ChatTemplateSuiteTests.Folder;
        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "templates", "qwen2.5.json")));
        var tokens = sidecar.RootElement.GetProperty("special_tokens").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var template = JinjaChatTemplate.Parse(File.ReadAllText(Path.Combine(folder, "templates", "qwen2.5.jinja")), tokens);
        using JsonDocument conversation = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "conversations", "tool-calls.json")));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "expected", "qwen2.5.json")));

        ChatMessage[] messages =
        [
            new(ChatRole.User, "What's the weather in Paris, and what is 2 plus 3?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call12345", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["unit"] = "celsius" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call12345", "{\"temperature\": 21, \"sky\": \"clear\"}")]),
            new(ChatRole.Assistant, "It is 21 °C and clear in Paris."),
            new(ChatRole.User, "Now add 2 and 3."),
        ];

        string prompt = template.Render(messages, addGenerationPrompt: true, conversation.RootElement.GetProperty("tools"), variables: null);

        Assert.Equal(expected.RootElement.GetProperty("tool-calls|gen").GetProperty("text").GetString(), prompt);
    }
}
