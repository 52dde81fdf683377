using System.Diagnostics;
using System.Diagnostics.Metrics;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FastDraft.Tests.Telemetry;

/// <summary>
/// Each reported figure means one thing (issue 17, section 4): the model name the application set is the request and response
/// model on metrics and span; the finish reason is one mapping, read alike by the statistics, the span and the chat client;
/// the time-per-token histogram's buckets resolve the sub-millisecond tokens of small pairs.
/// </summary>
public sealed class TelemetryMeaningTests
{
    private const int Vocabulary = LetterTokenizer.VocabularySize;

    private static int Next(ReadOnlySpan<int> context) => (context[^1] + 1) % Vocabulary;

    [Fact]
    public void TimePerOutputTokenHistogram_AdvisesBucketsBelowOneMillisecond()
    {
        using var capture = new TelemetryCapture();
        InstrumentAdvice<double>? advice = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, capture.Factory) && instrument is Histogram<double> { Name: "gen_ai.server.time_per_output_token" } histogram)
                {
                    advice = histogram.Advice;
                }
            },
        };
        listener.Start();

        _ = new SpeculativeGenerator(new FunctionModel(Vocabulary, Next), options: new SpeculativeOptions { MeterFactory = capture.Factory });

        Assert.NotNull(advice?.HistogramBucketBoundaries);
        IReadOnlyList<double> bounds = advice.HistogramBucketBoundaries;
        Assert.True(bounds.Count(b => b < 0.001) >= 4, $"at least four boundaries under 1 ms, not {string.Join(", ", bounds)}");
        Assert.Equal(bounds.Order(), bounds);
    }

    [Fact]
    public async Task SubMillisecondToken_LandsInAHistogramBucketAfterTheFirst()
    {
        // A model name of this test's own: the SDK hears every FastDraft meter in the process, and the points are told apart by it.
        string name = $"sub-ms-{Guid.NewGuid():N}";
        var clock = new ManualTimeProvider();
        var target = new NamedModel(new FunctionModel(Vocabulary, Next) { OnPass = _ => clock.AdvanceMicroseconds(250) }, name);
        var exported = new List<MetricSnapshot>(); // snapshots: a Metric's points do not outlive its provider
        using (MeterProvider provider = Sdk.CreateMeterProviderBuilder().AddMeter(FastDraftTelemetry.Name).AddInMemoryExporter(exported).Build())
        {
            var generator = new SpeculativeGenerator(target, options: new SpeculativeOptions { TimeProvider = clock });
            await generator.GenerateToListAsync(new[] { 0, 1 }, new GenerationOptions { MaxNewTokens = 8 }, TestContext.Current.CancellationToken);
            provider.ForceFlush();
        }

        // The provider exports when flushed and again when disposed: cumulative points, the last holds everything.
        MetricPoint point = Points(exported, "gen_ai.server.time_per_output_token").Last(p => Tag(p, "gen_ai.request.model") == name);
        var buckets = new List<(double Bound, long Count)>();
        foreach (HistogramBucket bucket in point.GetHistogramBuckets())
        {
            buckets.Add((bucket.ExplicitBound, bucket.BucketCount));
        }

        int landed = buckets.FindIndex(b => b.Count > 0);
        Assert.Equal(1, buckets.Sum(b => b.Count));
        Assert.True(landed > 0, $"a 0.25 ms token landed in the first bucket (≤ {buckets[0].Bound} s)");
        Assert.True(buckets[landed].Bound <= 0.001 && buckets[landed - 1].Bound < 0.00025, $"0.25 ms landed in the bucket ending at {buckets[landed].Bound} s");
    }

    [Fact]
    public async Task ModelName_IsTheRequestAndResponseModel_OnMetricsAndSpan()
    {
        using var capture = new TelemetryCapture();
        var options = new OnnxModelOptions { ModelName = "my-code-model" };
        using OnnxCausalLM target = OnnxCausalLM.Load(TestModels.TextModel, options);
        Assert.Equal("my-code-model", target.Info.Name);
        var generator = new SpeculativeGenerator(target, options: new SpeculativeOptions { MeterFactory = capture.Factory });

        await generator.GenerateToListAsync(new[] { 1, 2, 3 }, new GenerationOptions { MaxNewTokens = 4 }, TestContext.Current.CancellationToken);

        Assert.NotEmpty(capture.Measurements);
        Assert.All(capture.Measurements, m =>
        {
            Assert.Equal("my-code-model", m.Tag("gen_ai.request.model"));
            Assert.Equal("my-code-model", m.Tag("gen_ai.response.model"));
        });
        Activity span = Assert.Single(capture.Generations);
        Assert.Equal("my-code-model", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("my-code-model", span.GetTagItem("gen_ai.response.model"));
    }

    [Fact]
    public void ModelName_Unset_IsTheFolderName()
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.TextModel);

        Assert.Equal(Path.GetFileName(Path.TrimEndingDirectorySeparator(TestModels.TextModel)), target.Info.Name);
    }

    [Theory]
    [InlineData("max_new_tokens", "length")]
    [InlineData("context_limit", "length")]
    [InlineData("end_of_sequence", "stop")]
    public async Task FinishReason_IsTheSameInStatsSpanAndChatClient(string ending, string expected)
    {
        using var capture = new TelemetryCapture();
        const int Eos = 20;
        const int Context = 64;
        var target = new FunctionModel(Vocabulary, Next, endOfSequence: ending == "end_of_sequence" ? [Eos] : [], contextLength: Context);
        var generator = new SpeculativeGenerator(target, new NGramDraftModel(), new SpeculativeOptions { MeterFactory = capture.Factory }, new ModuloTokenizer());
        var options = ending == "context_limit" ? new GenerationOptions { MaxNewTokens = 12, StopAtContextLimit = true } : new GenerationOptions { MaxNewTokens = 8 };
        int[] prompt = ending == "end_of_sequence" ? [14, 15, 16] : [.. Enumerable.Range(0, Context - 8).Select(i => i % Vocabulary)];
        var stats = new GenerationStats();

        await foreach (GeneratedToken token in generator.GenerateAsync(prompt, options, stats, TestContext.Current.CancellationToken))
        {
            _ = token;
        }

        Assert.Equal(expected, stats.FinishReason);
        Assert.Equal(new[] { expected }, Assert.Single(capture.Generations).GetTagItem("gen_ai.response.finish_reasons"));

        // The chat client, its reply ending the same way: a token limit, the context filling up, or the model's end of sequence.
        IChatClient chat = generator.AsChatClient(ChatTemplate.Create(ChatFormat.Plain));
        ChatOptions? chatOptions = ending == "max_new_tokens" ? new ChatOptions { MaxOutputTokens = 2 } : null;
        ChatResponse reply = await chat.GetResponseAsync("abc", chatOptions, TestContext.Current.CancellationToken);
        Assert.Equal(new ChatFinishReason(expected), reply.FinishReason);
        Assert.Equal(new[] { expected }, capture.Generations[^1].GetTagItem("gen_ai.response.finish_reasons"));
    }

    private static IEnumerable<MetricPoint> Points(List<MetricSnapshot> metrics, string name) =>
        metrics.Where(m => m.Name == name).SelectMany(m => m.MetricPoints);

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    /// <summary>Any text: each character is a token (its code modulo the vocabulary), so chat templates encode.</summary>
    private sealed class ModuloTokenizer : ITextTokenizer
    {
        public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) => [.. text.Select(c => c % Vocabulary)];

        public string Decode(ReadOnlySpan<int> ids) => LetterTokenizer.Text(ids.ToArray());

        public IStreamingDecoder CreateStreamingDecoder() => new LetterTokenizer().CreateStreamingDecoder();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
    }

    /// <summary>A model under another name: what <see cref="OnnxModelOptions.ModelName"/> does for an ONNX model.</summary>
    private sealed class NamedModel(ITargetModel inner, string name) : ITargetModel
    {
        public ModelInfo Info { get; } = inner.Info with { Name = name };

        public IModelSession CreateSession(int capacity) => inner.CreateSession(capacity);

        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);
    }
}
