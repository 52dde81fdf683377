using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Text;

public sealed class ChatTemplateTests
{
    private static readonly ChatMessage[] SystemAndUser = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi there")];

    [Fact]
    public void LlamaFixtureTemplate_IsRecognised_AndWritesWhatItsJinjaWrites()
    {
        ChatTemplate template = ChatTemplate.FromTokenizer(ModelTokenizer.Load(SharedModels.Path(SharedModels.LlamaGqa)));
        Assert.Equal(ChatFormat.Llama2, template.Format);

        // Evaluated by hand from the fixture's chat_template for system, user, assistant, user.
        string prompt = template.Apply([new(ChatRole.System, "S"), new(ChatRole.User, "U1"), new(ChatRole.Assistant, "A1"), new(ChatRole.User, "U2")]);
        Assert.Equal("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST] A1 </s><s>[INST] U2 [/INST]", prompt);
    }

    public static TheoryData<ChatFormat, string> Expected => new()
    {
        { ChatFormat.ChatML, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n" },
        { ChatFormat.Llama3, "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n" },
        { ChatFormat.Phi3, "<|system|>\nBe brief.<|end|>\n<|user|>\nHi there<|end|>\n<|assistant|>\n" },
        { ChatFormat.Llama2, "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST]" },
        { ChatFormat.Mistral, "<s>[INST] Be brief.\n\nHi there [/INST]" },
        { ChatFormat.Gemma, "<bos><start_of_turn>user\nBe brief.\n\nHi there<end_of_turn>\n<start_of_turn>model\n" },
        { ChatFormat.Plain, "System: Be brief.\nUser: Hi there\nAssistant:" },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void EachFormat_WritesItsFamilysPrompt(ChatFormat format, string expected) =>
        Assert.Equal(expected, ChatTemplate.Create(format).Apply(SystemAndUser));

    [Fact]
    public void PlainFormat_PastReplyWithLeadingSpace_RendersAsGeneratedAfterTheGenerationPrompt()
    {
        ChatTemplate plain = ChatTemplate.Create(ChatFormat.Plain);
        string first = plain.Apply([new(ChatRole.User, "Hi")]);
        string second = plain.Apply([new(ChatRole.User, "Hi"), new(ChatRole.Assistant, " Hello."), new(ChatRole.User, "More")]);

        // The next turn's prompt starts with the last prompt followed by the reply exactly as generated: its cache is reusable.
        Assert.StartsWith(first + " Hello.\n", second, StringComparison.Ordinal);
        Assert.Equal("User: Hi\nAssistant: Hello.\nUser: More\nAssistant:", second);
        Assert.Equal("User: Hi\nAssistant: Hello.\nUser: More\nAssistant:", plain.Apply([new(ChatRole.User, "Hi"), new(ChatRole.Assistant, "Hello."), new(ChatRole.User, "More")]));
    }

    [Theory]
    [InlineData("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}", ChatFormat.ChatML)]
    [InlineData("{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}", ChatFormat.Llama3)]
    [InlineData("{% for message in messages %}{% if message['role'] == 'user' %}{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}", ChatFormat.Phi3)]
    [InlineData("{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}", ChatFormat.Gemma)]
    [InlineData("{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}", ChatFormat.Mistral)]
    public void CommonTemplateFamilies_AreRecognisedByTheirMarkers(string jinja, ChatFormat expected)
    {
        Assert.True(ChatTemplate.TryRecognize(jinja, out ChatFormat format));
        Assert.Equal(expected, format);
    }

    [Fact]
    public void UnrecognisedOrMissingTemplates_AndBadConversations_FailClearly()
    {
        Assert.False(ChatTemplate.TryRecognize("{{ messages | tojson }}", out _));
        var none = Assert.Throws<NotSupportedException>(() => ChatTemplate.FromTokenizer(ModelTokenizer.Load(SharedModels.Path(SharedModels.Gpt2Legacy))));
        Assert.Contains("chat_template", none.Message, StringComparison.Ordinal);

        var order = Assert.Throws<ArgumentException>(() => ChatTemplate.Create(ChatFormat.Llama2).Apply([new(ChatRole.User, "a"), new(ChatRole.User, "b")]));
        Assert.Contains("alternating", order.Message, StringComparison.Ordinal);
        Assert.Equal(ChatFormat.ChatML, ChatTemplate.FromTokenizer(ModelTokenizer.Load(TestModels.TextModel)).Format);
    }
}
