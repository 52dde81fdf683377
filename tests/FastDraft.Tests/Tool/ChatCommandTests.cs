using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using FastDraft.Tool;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Tool;

/// <summary><c>fastdraft chat</c> driven through redirected input.</summary>
public sealed class ChatCommandTests
{
    private static string Demo(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    private static async Task<(int Exit, string Stdout, string Stderr)> ChatAsync(string input, params string[] options)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await ToolApp.RunAsync(["chat", "--target", Demo("target"), "--draft", Demo("draft"), "--max-new-tokens", "24", .. options], new StringReader(input), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Chat_TwoTurns_RepliesAsTheTargetAloneWouldThroughTheChatClient()
    {
        (int exit, string stdout, string stderr) = await ChatAsync("def read(path):\nclass Stack:\n", "--color", "never");

        Assert.True(exit == 0, stderr);

        // The oracle: the library's chat client over the target alone, same template, same history, greedy.
        var generator = new SpeculativeGenerator(LoadedModels.Get(Demo("target")), null, null, ModelTokenizer.Load(Demo("target")));
        using IChatClient client = generator.AsChatClient();
        var history = new List<ChatMessage>();
        var expected = new List<string>();
        foreach (string message in new[] { "def read(path):", "class Stack:" })
        {
            history.Add(new ChatMessage(ChatRole.User, message));
            ChatResponse response = await client.GetResponseAsync(history, new ChatOptions { MaxOutputTokens = 24 });
            expected.Add(response.Text);
            history.Add(new ChatMessage(ChatRole.Assistant, response.Text));
        }

        Assert.Equal($"> {expected[0]}\n> {expected[1]}\n> ", stdout);
        Assert.Equal(2, stderr.Split('\n').Count(line => line.Contains("drafted tokens accepted", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Chat_ColorAlways_MarksDraftedTokens()
    {
        (int exit, string stdout, string stderr) = await ChatAsync("def read(path):\n", "--color", "always");

        Assert.True(exit == 0, stderr);
        Assert.Contains("\u001b[32m", stdout, StringComparison.Ordinal); // the demo draft's accepted tokens
    }

    [Fact]
    public async Task Chat_EndOfInput_EndsWithZero()
    {
        (int exit, string stdout, _) = await ChatAsync(string.Empty);

        Assert.Equal(0, exit);
        Assert.Equal("> ", stdout);
    }
}
