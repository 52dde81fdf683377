using FastDraft.Hosting;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FastDraft.Tests.Hosting;

public sealed class ServiceRegistrationTests
{
    private static string Demo(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    [Fact]
    public async Task AddSpeculativeChatClient_ResolvesAClientThatAnswers_AndTheContainerOwnsTheModels()
    {
        var logs = new CapturingLogger();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(logs);
        services.AddSpeculativeChatClient(Demo("target"), Demo("draft"), new SpeculativeChatRegistration { Speculative = new SpeculativeOptions { DraftTokens = 3 } })
            .UseFunctionInvocation();

        OnnxCausalLM target;
        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            IChatClient client = provider.GetRequiredService<IChatClient>();
            ChatResponse response = await client.GetResponseAsync("def add(a, b):", new ChatOptions { MaxOutputTokens = 12 }, TestContext.Current.CancellationToken);
            Assert.True(response.Usage!.OutputTokenCount > 0);
            Assert.NotNull(response.Text);

            SpeculativeChatClient speculative = client.GetService<SpeculativeChatClient>()!;
            Assert.NotNull(speculative.Generator.Draft);
            target = Assert.IsType<OnnxCausalLM>(speculative.Generator.Target);
            Assert.Equal(2, logs.Entries.Count(e => e.Level == LogLevel.Information && e.Message.StartsWith("Loaded model", StringComparison.Ordinal) && e.Message.Contains("on Cpu: KV cache", StringComparison.Ordinal)));
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Debug && e.Category == typeof(SpeculativeChatClient).FullName && e.Message.StartsWith("Chat reply: ", StringComparison.Ordinal));
        }

        Assert.Throws<ObjectDisposedException>(() => target.CreateSession(8));
    }

    [Fact]
    public void AddSpeculativeChatClient_MissingFolder_ThrowsAtRegistration()
    {
        var services = new ServiceCollection();
        Assert.Throws<DirectoryNotFoundException>(() => services.AddSpeculativeChatClient(Demo("target"), Demo("no-such-draft")));
        Assert.Empty(services);
    }
}
