using System.Text.Json;
using FastDraft.Tests.Text.Jinja;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Text;

/// <summary>
/// Tools and tool messages as the chat client hands them to the suite's real templates (AIFunctionDeclarations,
/// FunctionCallContent, FunctionResultContent), compared byte for byte with what jinja2 rendered from the same
/// conversation in the OpenAI/transformers shape (Data/ChatTemplates).
/// </summary>
public sealed class ChatToolTemplateTests
{
    public static TheoryData<string> Templates => ChatTemplateSuiteTests.Templates;

    internal static ChatTemplate Suite(string name)
    {
        string folder = ChatTemplateSuiteTests.Folder;
        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "templates", name + ".json")));
        Dictionary<string, string> tokens = sidecar.RootElement.GetProperty("special_tokens").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return ChatTemplate.FromJinja(JinjaChatTemplate.Parse(File.ReadAllText(Path.Combine(folder, "templates", name + ".jinja")), tokens, FixedClock.Instance));
    }

    private static JsonElement Conversation(string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(ChatTemplateSuiteTests.Folder, "conversations", name + ".json")));
        return document.RootElement.Clone();
    }

    /// <summary>The conversation's tools as Microsoft.Extensions.AI declarations.</summary>
    internal static AIFunctionDeclaration[] Declarations(JsonElement tools) =>
    [
        .. tools.EnumerateArray().Select(t => t.GetProperty("function")).Select(f => AIFunctionFactory.CreateDeclaration(
            f.GetProperty("name").GetString()!, f.GetProperty("description").GetString(), f.GetProperty("parameters"), f.TryGetProperty("return", out JsonElement r) ? r : null)),
    ];

    /// <summary>The conversation's messages as Microsoft.Extensions.AI messages: tool calls and tool results as contents.</summary>
    private static List<ChatMessage> Messages(JsonElement messages)
    {
        var list = new List<ChatMessage>();
        foreach (JsonElement message in messages.EnumerateArray())
        {
            string role = message.GetProperty("role").GetString()!;
            string content = message.GetProperty("content").GetString()!;
            if (role == "tool")
            {
                list.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(message.GetProperty("tool_call_id").GetString()!, content)]));
            }
            else if (message.TryGetProperty("tool_calls", out JsonElement calls))
            {
                List<AIContent> contents = content.Length > 0 ? [new TextContent(content)] : [];
                contents.AddRange(calls.EnumerateArray().Select(c => new FunctionCallContent(c.GetProperty("id").GetString()!, c.GetProperty("function").GetProperty("name").GetString()!,
                    c.GetProperty("function").GetProperty("arguments").EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone()))));
                list.Add(new ChatMessage(new ChatRole(role), contents));
            }
            else
            {
                list.Add(new ChatMessage(new ChatRole(role), content));
            }
        }

        return list;
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void ToolsAndToolMessages_RenderAsJinja2Does(string name)
    {
        ChatTemplate template = Suite(name);
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(ChatTemplateSuiteTests.Folder, "expected", name + ".json")));
        string[] conversations = template.ToolsInSystemMessage ? ["phi4-mini-system-tools"] : ["tools", "tool-calls"];
        foreach (string conversation in conversations)
        {
            JsonElement root = Conversation(conversation);
            AIFunctionDeclaration[] tools = Declarations(Conversation("tools").GetProperty("tools"));
            List<ChatMessage> messages = Messages(root.GetProperty("messages"));
            if (template.ToolsInSystemMessage)
            {
                messages[0] = new ChatMessage(ChatRole.System, messages[0].Text); // the tools come from ChatOptions.Tools, not the message
            }

            foreach (bool generationPrompt in new[] { true, false })
            {
                JsonElement want = expected.RootElement.GetProperty($"{conversation}|{(generationPrompt ? "gen" : "nogen")}");
                if (want.TryGetProperty("text", out JsonElement text))
                {
                    Assert.Equal(text.GetString(), template.Apply(messages, generationPrompt, tools));
                }
                else
                {
                    Assert.ThrowsAny<Exception>(() => template.Apply(messages, generationPrompt, tools));
                }
            }
        }
    }

    [Fact]
    public void Phi4Mini_WithoutASystemMessage_GetsOneCarryingTheTools()
    {
        ChatTemplate template = Suite("phi-4-mini");
        AIFunctionDeclaration[] tools = Declarations(Conversation("tools").GetProperty("tools"));
        string prompt = template.Apply([new ChatMessage(ChatRole.User, "Hi")], addGenerationPrompt: true, tools);
        Assert.StartsWith("<|system|><|tool|>[{\"name\": \"get_weather\", \"description\": \"Get the current weather in a city.\"", prompt, StringComparison.Ordinal);
        Assert.EndsWith("<|/tool|><|end|><|user|>Hi<|end|><|assistant|>", prompt, StringComparison.Ordinal);
    }
}
