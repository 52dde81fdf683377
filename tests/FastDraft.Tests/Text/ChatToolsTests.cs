using System.Text.Json;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace FastDraft.Tests.Text;

/// <summary>
/// Tool calling through the chat client: a scripted model behind the real Qwen2.5 template writes a call until a tool
/// result is in its prompt, then an answer; Microsoft.Extensions.AI's function invocation runs the round trip.
/// </summary>
public sealed class ChatToolsTests
{
    private const string Call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    private const string Answer = "It is 21 degrees and clear in Paris.";
    private const string ReplyOpening = "<|im_start|>assistant\n";
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "What's the weather in Paris?")];

    /// <summary>A client over a model that writes <paramref name="first"/> before a tool result is in its prompt and <paramref name="second"/> after, each ending its turn.</summary>
    private static (SpeculativeChatClient Client, List<string> Prompts) Scripted(string first, string second = Answer, SpeculativeChatClientOptions? options = null)
    {
        var prompts = new List<string>();
        var model = new FunctionModel(CharacterTokenizer.VocabularySize, context =>
        {
            string text = CharacterTokenizer.Text(context);
            int start = text.LastIndexOf(ReplyOpening, StringComparison.Ordinal) + ReplyOpening.Length;
            string prompt = text[..start];
            lock (prompts)
            {
                if (!prompts.Contains(prompt))
                {
                    prompts.Add(prompt);
                }
            }

            string script = (prompt.Contains("<tool_response>", StringComparison.Ordinal) ? second : first) + "<|im_end|>";
            return text.Length - start < script.Length ? script[text.Length - start] : '.';
        }, contextLength: 8192);
        var generator = new SpeculativeGenerator(model, model.AsDraft(), new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false }, new CharacterTokenizer());
        return (new SpeculativeChatClient(generator, ChatToolTemplateTests.Suite("qwen2.5"), options), prompts);
    }

    private static AIFunction Weather(List<string> cities) => AIFunctionFactory.Create(
        (string city) =>
        {
            cities.Add(city);
            return "21 degrees, clear";
        },
        "get_weather",
        "Gets the current weather in a city.");

    private static async Task<ChatResponse> Ask(IChatClient client, bool streaming, IEnumerable<ChatMessage> messages, ChatOptions options) =>
        streaming ? (await client.GetStreamingResponseAsync(messages, options).ToListAsync()).ToChatResponse() : await client.GetResponseAsync(messages, options);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FunctionInvocation_RoundTrip_CallsTheFunctionAndAnswers(bool streaming)
    {
        (SpeculativeChatClient inner, List<string> prompts) = Scripted(Call);
        var cities = new List<string>();
        using IChatClient client = new ChatClientBuilder(inner).UseFunctionInvocation().Build();

        ChatResponse response = await Ask(client, streaming, Question, new ChatOptions { Tools = [Weather(cities)] });

        Assert.Equal(["Paris"], cities);
        FunctionCallContent call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        FunctionResultContent result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(("get_weather", call.CallId), (call.Name, result.CallId));
        Assert.Equal(Answer, response.Messages[^1].Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);

        // The first prompt offered the tool in the template's words; the second carried the call and its result.
        Assert.Equal(2, prompts.Count);
        Assert.Contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Gets the current weather in a city.\", \"parameters\": {", prompts[0], StringComparison.Ordinal);
        Assert.EndsWith($"<|im_start|>assistant\n{Call}<|im_end|>\n<|im_start|>user\n<tool_response>\n21 degrees, clear\n</tool_response><|im_end|>\n{ReplyOpening}", prompts[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ToolCall_TextBeforeItIsText_TheMarkupBecomesAFunctionCall(bool streaming)
    {
        (SpeculativeChatClient client, _) = Scripted("Let me look that up.\n" + Call + "\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>");
        var options = new ChatOptions { Tools = [Weather([])] };
        ChatResponse response;
        if (streaming)
        {
            List<ChatResponseUpdate> updates = await client.GetStreamingResponseAsync(Question, options).ToListAsync();
            int firstCall = updates.FindIndex(u => u.Contents.OfType<FunctionCallContent>().Any());
            Assert.Equal("Let me look that up.\n", string.Concat(updates.Take(firstCall).Select(u => u.Text)));
            Assert.True(updates.Take(firstCall).Count(u => u.Text.Length > 0) > 1, "the text before the call streams piece by piece");
            Assert.DoesNotContain(updates, u => u.Text.Contains('<', StringComparison.Ordinal));
            response = updates.ToChatResponse();
        }
        else
        {
            response = await client.GetResponseAsync(Question, options);
        }

        ChatMessage message = Assert.Single(response.Messages);
        Assert.Equal("Let me look that up.\n", message.Text);
        FunctionCallContent[] calls = [.. message.Contents.OfType<FunctionCallContent>()];
        Assert.Equal(["Paris", "Rome"], calls.Select(c => ((JsonElement)c.Arguments!["city"]!).GetString()));
        Assert.Equal(2, calls.Select(c => c.CallId).Distinct().Count());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MalformedCall_IsKeptAsText(bool streaming)
    {
        const string broken = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \n</tool_call>";
        (SpeculativeChatClient client, _) = Scripted(broken);
        ChatResponse response = await Ask(client, streaming, Question, new ChatOptions { Tools = [Weather([])] });
        Assert.Equal(broken, response.Text);
        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MarkersThatAreSpecialTokens_AreReadByTheirIds(bool streaming)
    {
        // Phi-4-mini's <|tool_call|> and <|/tool_call|> are special tokens: they decode to nothing, so only their ids say a call is there.
        // The template is of no turn family the client knows (its roles are written as '<|' + role + '|>'), so its turn ends at eos_token.
        ChatTemplate template = ChatToolTemplateTests.Suite("phi-4-mini");
        var tokenizer = new CharacterTokenizer("<|tool_call|>", "<|/tool_call|>");
        int[] script = [CharacterTokenizer.VocabularySize, .. "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]".Select(c => (int)c), CharacterTokenizer.VocabularySize + 1, .. template.EndOfTurn.Select(c => (int)c)];
        var model = new FunctionModel(CharacterTokenizer.VocabularySize + tokenizer.SpecialTokenCount, context =>
        {
            int start = CharacterTokenizer.Text(context).LastIndexOf("<|assistant|>", StringComparison.Ordinal) + "<|assistant|>".Length;
            return context.Length - start < script.Length ? script[context.Length - start] : '.';
        }, contextLength: 8192);
        var generator = new SpeculativeGenerator(model, model.AsDraft(), new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false }, tokenizer);
        var client = new SpeculativeChatClient(generator, template);

        ChatResponse response = await Ask(client, streaming, Question, new ChatOptions { Tools = [Weather([])] });

        FunctionCallContent call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("get_weather", "Paris"), (call.Name, ((JsonElement)call.Arguments!["city"]!).GetString()));
        Assert.Equal(string.Empty, response.Text);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task ToolModeNone_OffersNoTools_AndParsesNothing()
    {
        (SpeculativeChatClient client, List<string> prompts) = Scripted(Call);
        ChatResponse response = await client.GetResponseAsync(Question, new ChatOptions { Tools = [Weather([])], ToolMode = ChatToolMode.None });
        Assert.Equal(Call, response.Text);
        Assert.DoesNotContain("<tools>", prompts[0], StringComparison.Ordinal);
    }

    [Fact]
    public void WhatCannotBeHonoured_IsRefusedByName()
    {
        (SpeculativeChatClient client, _) = Scripted(Call);
        AIFunction weather = Weather([]);
        void Refused(string name, ChatOptions options, SpeculativeChatClient? on = null)
        {
            var refused = Assert.Throws<NotSupportedException>(() => (on ?? client).GetStreamingResponseAsync(Question, options));
            Assert.Contains(name, refused.Message, StringComparison.Ordinal);
        }

        Refused("RequireAny", new ChatOptions { Tools = [weather], ToolMode = ChatToolMode.RequireAny });
        Refused("RequireSpecific('get_weather')", new ChatOptions { Tools = [weather], ToolMode = ChatToolMode.RequireSpecific("get_weather") });
        Refused("HostedWebSearchTool", new ChatOptions { Tools = [new HostedWebSearchTool()] });

        var generator = new SpeculativeGenerator(new FunctionModel(CharacterTokenizer.VocabularySize, _ => 'a'), tokenizer: new CharacterTokenizer());
        Refused("hard-coded ChatML format", new ChatOptions { Tools = [weather] }, new SpeculativeChatClient(generator, ChatTemplate.Create(ChatFormat.ChatML)));
        Refused("no known tool-call format", new ChatOptions { Tools = [weather] }, new SpeculativeChatClient(generator, ChatToolTemplateTests.Suite("gemma-3")));
    }

    [Fact]
    public void AdditionalProperties_MapToDocumentedGenerationOptions()
    {
        (SpeculativeChatClient client, _) = Scripted(Answer);
        (_, GenerationOptions mapped, _) = client.Prepare(Question, new ChatOptions
        {
            Temperature = 0.8f,
            AdditionalProperties = new() { ["min_p"] = 0.05, ["repetition_penalty"] = JsonDocument.Parse("1.1").RootElement },
        });
        Assert.Equal((0.05f, 1.1f), (mapped.MinP, mapped.RepetitionPenalty));

        var unknown = Assert.Throws<NotSupportedException>(() => client.Prepare(Question, new ChatOptions { AdditionalProperties = new() { ["min_p"] = 0.1, ["top_a"] = 1 } }));
        Assert.Contains("top_a", unknown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("min_p,", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => client.Prepare(Question, new ChatOptions { AdditionalProperties = new() { ["min_p"] = "a lot" } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Prepare(Question, new ChatOptions { AdditionalProperties = new() { ["repetition_penalty"] = -1 } }));
    }

    [Fact]
    public async Task Logger_RecordsTheClientAndEachReply()
    {
        var logger = new CapturingLogger();
        (SpeculativeChatClient client, _) = Scripted(Answer, options: new SpeculativeChatClientOptions { Logger = logger });
        await client.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 60 });

        (LogLevel level, _, string created) = Assert.Single(logger.Entries, e => e.Message.StartsWith("Chat client", StringComparison.Ordinal));
        Assert.Equal((LogLevel.Information, "Chat client over model fake (speculative: True, context 8192 tokens, template ChatML, tool calls Hermes)"), (level, created));
        (level, _, string reply) = Assert.Single(logger.Entries, e => e.Message.StartsWith("Chat reply", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Debug, level);
        Assert.Matches(@"^Chat reply: \d+ prompt tokens, at most 60, \d+ generated, finish stop, 0 tool calls, \d+ drafted, \d+ accepted, [\d.]+ ms$", reply);
    }
}
