using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Text.Json;

/// <summary>Structured output through the chat client: ChatResponseFormat.ForJsonSchema (what GetResponseAsync&lt;T&gt; asks for) constrains the demo pair's output.</summary>
public sealed class JsonChatClientTests
{
    [Fact]
    public async Task GetResponseAsyncOfRecord_OnTheDemoPair_GivesTheRecord()
    {
        var generator = new SpeculativeGenerator(
            LoadedModels.Get(JsonConstraintGenerationTests.Folder("target")),
            LoadedModels.Get(JsonConstraintGenerationTests.Folder("draft")),
            new SpeculativeOptions { DraftTokens = 4 },
            JsonConstraintGenerationTests.DemoTokenizer);
        using var client = new SpeculativeChatClient(generator, ChatTemplate.Create(ChatFormat.Plain));

        ChatResponse<Setting> response = await client.GetResponseAsync<Setting>("def settings():\n    return ", new ChatOptions { MaxOutputTokens = 300 }, useJsonSchemaResponseFormat: true);

        Assert.True(response.TryGetResult(out Setting? setting), response.Text);
        Assert.NotNull(setting);
    }

    public sealed record Setting(string Name, int Level, bool Enabled);
}
