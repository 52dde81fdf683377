using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Text;

/// <summary>The chat client's session reuse across turns and conversations: the replies of fresh prompt passes, with fewer tokens run.</summary>
public sealed class ChatSessionReuseTests
{
    private static readonly string[] UserTurns = ["the cat sat on the mat", "and then what", "tell me more about the dog", "why", "the end"];

    private static (SpeculativeChatClient Reusing, SpeculativeChatClient Fresh) Create()
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.TextModel);
        OnnxCausalLM draft = LoadedModels.Get(TestModels.Perturbed("text-draft", TestModels.TextModel, 0.05f));
        ModelTokenizer tokenizer = ModelTokenizer.Load(TestModels.TextModel);
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3, AdaptiveDraftTokens = false }, tokenizer);
        ChatTemplate template = ChatTemplate.FromTokenizer(tokenizer);
        return (new SpeculativeChatClient(generator, template), new SpeculativeChatClient(generator, template, new SpeculativeChatClientOptions { SessionPool = null }));
    }

    private static async Task<(List<string> Replies, List<long> Reused)> Converse(SpeculativeChatClient client, string? system, string[] turns, ChatOptions options)
    {
        var messages = new List<ChatMessage>();
        if (system is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        var replies = new List<string>();
        var reused = new List<long>();
        foreach (string turn in turns)
        {
            messages.Add(new ChatMessage(ChatRole.User, turn));
            ChatResponse response = await client.GetResponseAsync(messages, options.Clone());
            replies.Add(response.Text);
            reused.Add(response.Usage!.CachedInputTokenCount ?? 0);
            messages.AddRange(response.Messages);
        }

        return (replies, reused);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MultiTurn_WithReuse_RepliesAsFreshPromptPasses_AndReusesEachEarlierTurn(bool seeded)
    {
        (SpeculativeChatClient reusing, SpeculativeChatClient fresh) = Create();
        using (reusing)
        {
            ChatOptions options = seeded
                ? new ChatOptions { MaxOutputTokens = 12, Temperature = 0.9f, TopK = 30, Seed = 5 }
                : new ChatOptions { MaxOutputTokens = 12 };

            (List<string> expected, List<long> none) = await Converse(fresh, null, UserTurns, options);
            (List<string> replies, List<long> reused) = await Converse(reusing, null, UserTurns, options);

            Assert.Equal(expected, replies);
            Assert.All(none, n => Assert.Equal(0, n));
            Assert.Equal(0, reused[0]);
            for (int turn = 1; turn < reused.Count; turn++)
            {
                Assert.True(reused[turn] > reused[turn - 1], $"turn {turn + 1} reused {reused[turn]} tokens, turn {turn} {reused[turn - 1]}");
            }
        }
    }

    [Fact]
    public async Task ConcurrentConversations_SharingASystemPrompt_ReplyAsSequentialFreshOnes()
    {
        (SpeculativeChatClient reusing, SpeculativeChatClient fresh) = Create();
        using (reusing)
        {
            const string System = "you are a helpful assistant who talks about the cat and the dog";
            var options = new ChatOptions { MaxOutputTokens = 10 };
            string[][] conversations = [.. Enumerable.Range(0, 4).Select(i => UserTurns.Skip(i).Take(2).ToArray())];
            await Converse(reusing, System, ["hello"], options); // the shared system prompt is now pooled

            var expected = new List<List<string>>();
            foreach (string[] turns in conversations)
            {
                expected.Add((await Converse(fresh, System, turns, options)).Replies);
            }

            (List<string> Replies, List<long> Reused)[] concurrent = await Task.WhenAll(conversations.Select(turns => Task.Run(() => Converse(reusing, System, turns, options))));

            for (int i = 0; i < conversations.Length; i++)
            {
                Assert.Equal(expected[i], concurrent[i].Replies);
                Assert.True(concurrent[i].Reused[1] > 0, $"conversation {i}'s second turn reused nothing");
            }

            Assert.Contains(concurrent, c => c.Reused[0] > 0); // at least one first turn reused the system prompt
        }
    }
}
