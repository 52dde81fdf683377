using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Text;

/// <summary>Conversations that outgrow the context (refused in the caller's terms, or cut from the oldest turn), and base models without a chat template.</summary>
public sealed class ChatContextTests
{
    private const int Context = 512; // the text model's context length

    private static (SpeculativeChatClient Client, ModelTokenizer Tokenizer) Create(ChatContextOverflow overflow = ChatContextOverflow.Throw)
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.TextModel);
        ModelTokenizer tokenizer = ModelTokenizer.Load(TestModels.TextModel);
        var generator = new SpeculativeGenerator(target, null, null, tokenizer);
        return ((SpeculativeChatClient)generator.AsChatClient(options: new SpeculativeChatClientOptions { ContextOverflow = overflow }), tokenizer);
    }

    /// <summary>A system message, then <paramref name="turns"/> user/assistant pairs, then a last user message.</summary>
    private static List<ChatMessage> Conversation(int turns)
    {
        List<ChatMessage> messages = [new(ChatRole.System, "the dog is a cat")];
        for (int i = 0; i < turns; i++)
        {
            messages.Add(new(ChatRole.User, $"turn {i}: the cat sat on the mat and the dog ran to the mat"));
            messages.Add(new(ChatRole.Assistant, $"reply {i}: it was the cat"));
        }

        messages.Add(new(ChatRole.User, "what sat on the mat"));
        return messages;
    }

    private static int Tokens(ModelTokenizer tokenizer, IEnumerable<ChatMessage> messages) =>
        tokenizer.Encode(ChatTemplate.FromTokenizer(tokenizer).Apply(messages), addSpecialTokens: false).Count;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConversationBeyondTheContext_IsRefused_NamingTheNumbers(bool streaming)
    {
        (SpeculativeChatClient client, ModelTokenizer tokenizer) = Create();
        List<ChatMessage> messages = Conversation(20);
        int tokens = Tokens(tokenizer, messages);
        Assert.True(tokens > Context, $"the conversation should overflow; it is {tokens} tokens");

        var ex = Assert.Throws<ArgumentException>(() => streaming ? client.GetStreamingResponseAsync(messages) : client.GetResponseAsync(messages));

        Assert.Contains($"The conversation is {tokens} tokens once formatted", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"holds {Context} tokens in all", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DropOldestMessages", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("MaxNewTokens", ex.Message, StringComparison.Ordinal); // the caller never set it
        Assert.DoesNotContain("Actual value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxOutputTokensBeyondTheRoomLeft_IsRefused_NamingTheOptionTheCallerSet()
    {
        (SpeculativeChatClient client, ModelTokenizer tokenizer) = Create();
        List<ChatMessage> messages = Conversation(2);
        int tokens = Tokens(tokenizer, messages);

        var ex = Assert.Throws<ArgumentException>(() => client.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = Context }));

        Assert.Contains($"The conversation is {tokens} tokens once formatted; with ChatOptions.MaxOutputTokens ({Context}) that is {tokens + Context} tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"at most {Context - tokens}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DropOldestMessages_KeepsTheSystemMessageAndTheNewestTurnsThatFit(bool streaming)
    {
        (SpeculativeChatClient client, ModelTokenizer tokenizer) = Create(ChatContextOverflow.DropOldestMessages);
        List<ChatMessage> messages = Conversation(20);
        ChatMessage[] original = [.. messages];
        const int MaxOutput = 32;

        (ReadOnlyMemory<int> prompt, _, int dropped) = client.Prepare(messages, new ChatOptions { MaxOutputTokens = MaxOutput });

        // Whole turns go, oldest first, and no more than needed: one turn fewer dropped would not fit.
        Assert.True(dropped > 0 && dropped % 2 == 0, $"dropped {dropped}");
        List<ChatMessage> kept = [messages[0], .. messages.Skip(1 + dropped)];
        Assert.Equal(tokenizer.Encode(ChatTemplate.FromTokenizer(tokenizer).Apply(kept), addSpecialTokens: false), prompt.ToArray());
        Assert.True(prompt.Length + MaxOutput <= Context);
        Assert.True(Tokens(tokenizer, [messages[0], .. messages.Skip(dropped - 1)]) + MaxOutput > Context);
        Assert.Equal(original, messages); // the caller's list is untouched

        string text;
        AdditionalPropertiesDictionary? properties;
        if (streaming)
        {
            List<ChatResponseUpdate> updates = await client.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = MaxOutput }, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
            text = string.Concat(updates.Select(u => u.Text));
            properties = updates[^1].AdditionalProperties;
        }
        else
        {
            ChatResponse response = await client.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = MaxOutput }, TestContext.Current.CancellationToken);
            (text, properties) = (response.Text, response.AdditionalProperties);
        }

        Assert.Equal(dropped, properties!["fastdraft.dropped_messages"]);
        GenerationResult direct = await client.Generator.GenerateToListAsync(prompt, new GenerationOptions { MaxNewTokens = MaxOutput, StopTokenIds = [tokenizer.Tokens["<|im_end|>"]] }, TestContext.Current.CancellationToken);
        Assert.Equal(direct.Text, text);
    }

    [Fact]
    public void DropOldestMessages_WhenTheLastMessageAloneDoesNotFit_IsRefused_SayingWhatWasDropped()
    {
        (SpeculativeChatClient client, ModelTokenizer tokenizer) = Create(ChatContextOverflow.DropOldestMessages);
        List<ChatMessage> messages = Conversation(3);
        messages[^1] = new ChatMessage(ChatRole.User, string.Join(' ', Enumerable.Repeat("the cat", 300)));
        int tokens = Tokens(tokenizer, [messages[0], messages[^1]]);

        var ex = Assert.Throws<ArgumentException>(() => client.GetStreamingResponseAsync(messages));

        Assert.Contains($"Even without its 6 oldest messages, the conversation is {tokens} tokens once formatted", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"holds {Context} tokens in all", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyWithoutMaxOutputTokens_EndsWhenTheContextIsFull_WithFinishReasonLength()
    {
        (SpeculativeChatClient client, ModelTokenizer tokenizer) = Create();
        List<ChatMessage> messages = Conversation(8);
        while (Tokens(tokenizer, messages) < Context - 12)
        {
            messages[^1] = new ChatMessage(ChatRole.User, messages[^1].Text + " the cat");
        }

        Assert.InRange(Context - Tokens(tokenizer, messages), 1, 12);

        ChatResponse response = await client.GetResponseAsync(messages, new ChatOptions { StopSequences = ["never appears"] }, TestContext.Current.CancellationToken);

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(Context, response.Usage!.TotalTokenCount);
        Assert.Equal(0, response.AdditionalProperties!["fastdraft.dropped_messages"]);
    }

    [Fact]
    public async Task AsChatClient_OnABaseModelWithoutChatTemplate_FallsBackToThePlainFormat()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "models", "target"); // the committed demo target: no chat_template
        ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
        Assert.Null(tokenizer.ChatTemplateSource);
        var generator = new SpeculativeGenerator(LoadedModels.Get(folder), null, null, tokenizer);

        var client = (SpeculativeChatClient)generator.AsChatClient();
        ChatResponse response = await client.GetResponseAsync("def add(a, b):", new ChatOptions { MaxOutputTokens = 16 }, TestContext.Current.CancellationToken);

        Assert.Equal(ChatFormat.Plain, client.GetService<ChatTemplate>()!.Format);
        (ReadOnlyMemory<int> prompt, _, _) = client.Prepare([new ChatMessage(ChatRole.User, "def add(a, b):")], null);
        Assert.Equal(tokenizer.Encode("User: def add(a, b):\nAssistant:", addSpecialTokens: false), prompt.ToArray());
        Assert.InRange(response.Usage!.OutputTokenCount!.Value, 1, 16);
        Assert.NotNull(response.FinishReason);
    }

    [Fact]
    public void AsChatClient_WithAnUnrecognisedChatTemplate_RendersTheModelsOwnTemplate()
    {
        string folder = TestModels.Scratch("odd-template");
        TokenizerWriter.WriteByteLevel(folder, 300, TestModels.Words, ["<|endoftext|>"], "{{ messages | tojson }}{% if add_generation_prompt %}{{ eos_token }}{% endif %}");
        var generator = new SpeculativeGenerator(new FunctionModel(300, _ => 1), null, null, ModelTokenizer.Load(folder));

        ChatTemplate template = generator.AsChatClient().GetService<ChatTemplate>()!;

        Assert.Equal(ChatFormat.Template, template.Format);
        Assert.Equal("""[{"role": "user", "content": "Hi"}]""", template.Apply([new(ChatRole.User, "Hi")], addGenerationPrompt: false));
        Assert.Equal(ChatFormat.ChatML, generator.AsChatClient(ChatTemplate.Create(ChatFormat.ChatML)).GetService<ChatTemplate>()!.Format);
    }

    [Fact]
    public void AsChatClient_WithATemplateConstructItCannotRender_Throws_NamingItAndWhere()
    {
        string folder = TestModels.Scratch("include-template");
        TokenizerWriter.WriteByteLevel(folder, 300, TestModels.Words, ["<|endoftext|>"], "{% for m in messages %}\n{% include 'turn.jinja' %}\n{% endfor %}");
        var generator = new SpeculativeGenerator(new FunctionModel(300, _ => 1), null, null, ModelTokenizer.Load(folder));

        var ex = Assert.Throws<ChatTemplateException>(() => generator.AsChatClient());

        Assert.Contains("'include'", ex.Message, StringComparison.Ordinal);
        Assert.Equal((2, 4), (ex.Line, ex.Column));
    }
}
