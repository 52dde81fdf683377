using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace FastDraft.Tests.Telemetry;

/// <summary>
/// The chat client in Microsoft.Extensions.AI's own pipeline (<c>UseOpenTelemetry</c>, <c>UseLogging</c>):
/// M.E.AI reports the client side (<c>gen_ai.client.*</c>, a <c>chat</c> span), FastDraft the server
/// side and the speculative figures under other names, with its generation span under the chat span.
/// Nothing is counted twice.
/// </summary>
public sealed class ChatTelemetryTests
{
    private const string ChatSource = "FastDraft.Tests.Chat";
    private static readonly ChatMessage[] Conversation = [new(ChatRole.User, "the cat sat on the mat")];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChatPipeline_WithOpenTelemetryAndLogging_ReportsEachFigureOnce(bool streaming)
    {
        using var capture = new TelemetryCapture(otherMeters: [ChatSource], sources: [FastDraftTelemetry.Name, ChatSource]);
        var logs = new ListLoggerFactory();
        OnnxCausalLM target = LoadedModels.Get(TestModels.TextModel);
        OnnxCausalLM draft = LoadedModels.Get(TestModels.Perturbed("text-draft", TestModels.TextModel, 0.05f));
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3, MeterFactory = capture.Factory }, ModelTokenizer.Load(TestModels.TextModel));
        using IChatClient client = new ChatClientBuilder(generator.AsChatClient())
            .UseOpenTelemetry(sourceName: ChatSource)
            .UseLogging(logs)
            .Build();

        string text = await Ask(client, streaming, new ChatOptions { MaxOutputTokens = 16 });
        Assert.NotEmpty(text);

        Measurement[] chat = [.. capture.Measurements.Where(m => m.Meter == ChatSource)];
        Measurement[] ours = [.. capture.Measurements.Where(m => m.Meter == FastDraftTelemetry.Name)];
        Assert.Single(chat, m => m.Instrument == "gen_ai.client.operation.duration");
        Assert.Single(ours, m => m.Instrument == "gen_ai.server.request.duration");
        Assert.Empty(chat.Select(m => m.Instrument).Intersect(ours.Select(m => m.Instrument)));
        Assert.DoesNotContain(ours, m => m.Instrument.StartsWith("gen_ai.client.", StringComparison.Ordinal));
        Assert.Contains(ours, m => m.Instrument == "fastdraft.draft.accepted_tokens");
        foreach (string type in new[] { "input", "output" })
        {
            Measurement clientSide = Assert.Single(chat, m => m.Instrument == "gen_ai.client.token.usage" && m.Tag("gen_ai.token.type") == type);
            Measurement server = Assert.Single(ours, m => m.Instrument == "fastdraft.token.usage" && m.Tag("gen_ai.token.type") == type);
            Assert.Equal(clientSide.Value, server.Value); // the same count, once on each side
            Assert.Equal(FastDraftTelemetry.ProviderName, clientSide.Tag("gen_ai.provider.name"));
        }

        Activity chatSpan = Assert.Single(capture.Spans, s => s.Source.Name == ChatSource);
        Activity generation = Assert.Single(capture.Generations);
        Assert.StartsWith("chat", chatSpan.DisplayName, StringComparison.Ordinal);
        Assert.Equal(chatSpan.SpanId, generation.ParentSpanId);
        Assert.Equal(Convert.ToInt64(chatSpan.GetTagItem("gen_ai.usage.output_tokens"), CultureInfo.InvariantCulture), Convert.ToInt64(generation.GetTagItem("gen_ai.usage.output_tokens"), CultureInfo.InvariantCulture));
        Assert.NotEmpty(logs.Entries);
    }

    private static async Task<string> Ask(IChatClient client, bool streaming, ChatOptions options)
    {
        if (!streaming)
        {
            return (await client.GetResponseAsync(Conversation, options, TestContext.Current.CancellationToken)).Text;
        }

        var text = new StringBuilder();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Conversation, options, TestContext.Current.CancellationToken))
        {
            text.Append(update.Text);
        }

        return text.ToString();
    }

    /// <summary>Keeps every log entry at Debug and above.</summary>
    private sealed class ListLoggerFactory : ILoggerFactory, ILogger
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
