using System.Diagnostics;
using System.Diagnostics.Metrics;
using FastDraft.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FastDraft.Tests.Telemetry;

/// <summary>Tests whose listeners hear every generation in the process: they run alone, so that no other test's generations pay for them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideListeners
{
    public const string Name = "Process-wide telemetry listeners";
}

/// <summary>
/// Telemetry with someone listening: what it costs per token (printed, and held to no allocation per
/// token), and the OpenTelemetry SDK set up as the README shows it.
/// </summary>
[Collection(ProcessWideListeners.Name)]
public sealed class ProcessWideListenerTests
{
    private static readonly int[] Prompt = [1, 5, 9, 13, 17, 21];

    [Theory]
    [InlineData("onnx", "none")]
    [InlineData("onnx", "ngram")]
    [InlineData("onnx", "perturbed")]
    [InlineData("free", "none")]
    [InlineData("free", "self")]
    public void ListenersAttached_DecodingAllocatesNothingPerToken_AndTheCostPerTokenIsPrinted(string model, string draftKind)
    {
        // "onnx": the test target on ONNX Runtime; "free": a fake whose passes cost almost nothing, so
        // that what telemetry adds to a token is not lost in the model's time.
        ITargetModel target = model == "onnx" ? LoadedModels.Get(TestModels.GqaTarget) : new FreeModel();
        IDraftModel? draft = draftKind switch
        {
            "none" => null,
            "ngram" => new NGramDraftModel(),
            "self" => new FreeModel().AsDraft(), // proposes what the target chooses: every round is K + 1 tokens
            _ => LoadedModels.Get(TestModels.Perturbed("gqa-perturbed", TestModels.GqaTarget, 0.1f)),
        };
        using var heardFactory = new TestMeterFactory();
        using var quietFactory = new TestMeterFactory();
        var heard = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false, MeterFactory = heardFactory });
        var quiet = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false, MeterFactory = quietFactory });

        // Listeners for every instrument of one generator's meter, and for its spans (the other's are declined).
        long measurements = 0;
        long outputTokens = 0;
        bool spansWanted = false;
        int spans = 0;
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, heardFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meterListener.SetMeasurementEventCallback<double>((_, _, _, _) => measurements++);
        meterListener.SetMeasurementEventCallback<long>((_, _, _, _) => measurements++);
        meterListener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            measurements++;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (instrument.Name == "fastdraft.token.usage" && tag.Key == "gen_ai.token.type" && (string?)tag.Value == "output")
                {
                    outputTokens += value;
                }
            }
        });
        meterListener.Start();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == FastDraftTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => spansWanted ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = _ => spans++,
        };
        ActivitySource.AddActivityListener(activityListener);

        (int shortLength, int longLength) = model == "onnx" ? (100, 400) : (100, 2100);
        var cost = new Cost(shortLength, longLength);
        for (int round = 0; round < (model == "onnx" ? 3 : 25); round++)
        {
            spansWanted = false;
            cost.Measure(quiet, heard: false);
            spansWanted = true;
            cost.Measure(heard, heard: true);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{model} target, draft {draftKind}: {cost}");
        Assert.True(cost.Extra(heard: true) <= 256, $"with listeners, {longLength - shortLength} more tokens allocated {cost.Extra(heard: true)} more bytes in every measurement: {cost}");
        Assert.True(cost.Extra(heard: false) <= 256, $"without listeners, {longLength - shortLength} more tokens allocated {cost.Extra(heard: false)} more bytes in every measurement: {cost}");
        Assert.True(cost.Fixed(heard: true) < 64 * 1024, $"one generation's fixed allocation with listeners: {cost}");
        Assert.Equal(cost.HeardGenerations, spans);      // every generation with listeners had its span
        Assert.Equal(cost.HeardTokens, outputTokens);    // and its measurements
        Assert.True(measurements >= 8 * cost.HeardGenerations, $"{measurements} measurements for {cost.HeardGenerations} generations");
    }

    [Fact]
    public async Task OpenTelemetrySdk_SetUpAsTheReadmeShows_ExportsTheMetricsAndTheSpan()
    {
        var clock = new ManualTimeProvider();
        var target = new FunctionModel(32, context => (context[^1] + 1) % 7) { OnPass = tokens => clock.AdvanceMicroseconds(100 + tokens) };
        var generator = new SpeculativeGenerator(target, new NGramDraftModel(), new SpeculativeOptions { TimeProvider = clock });
        var exported = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        GenerationResult result;
        List<MetricSnapshot> metrics;
        using (MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddMeter(FastDraftTelemetry.Name).AddInMemoryExporter(exported).Build())
        using (TracerProvider traces = Sdk.CreateTracerProviderBuilder().AddSource(FastDraftTelemetry.Name).AddInMemoryExporter(spans).Build())
        {
            result = await generator.GenerateToListAsync(new[] { 1, 2, 3 }, new GenerationOptions { MaxNewTokens = 30 }, TestContext.Current.CancellationToken);
            Assert.True(meters.ForceFlush());
            metrics = [.. exported]; // disposing the provider exports (cumulative) figures once more
        }

        Assert.True(result.Stats.AcceptedTokens > 0);
        Assert.Equal(result.Stats.DraftedTokens, Points(metrics, "fastdraft.draft.tokens").Sum(p => p.GetSumLong()));
        Assert.Equal(result.Stats.AcceptedTokens, Points(metrics, "fastdraft.draft.accepted_tokens").Sum(p => p.GetSumLong()));
        Assert.Equal(result.Stats.TotalTime.TotalSeconds, Assert.Single(Points(metrics, "gen_ai.server.request.duration")).GetHistogramSum());
        Assert.Equal(result.Stats.Rounds, Points(metrics, "fastdraft.draft.length").Sum(p => p.GetHistogramCount()));
        Activity span = Assert.Single(spans);
        Assert.Equal("text_completion fake", span.DisplayName);
        Assert.Equal(result.Stats.GeneratedTokens, span.GetTagItem("gen_ai.usage.output_tokens"));
    }

    private static MetricPoint[] Points(List<MetricSnapshot> metrics, string name) =>
        [.. metrics.Where(m => m.Name == name).SelectMany(m => m.MetricPoints)];

    /// <summary>
    /// What decoding costs, with and without listeners: the cheapest long generation's bytes and time
    /// less the cheapest short one's (which leaves out per-generation costs and one-off hiccups), per
    /// extra token, and the bytes of a short generation.
    /// </summary>
    private sealed class Cost(int shortLength, int longLength)
    {
        private readonly long[] _shortBytes = [long.MaxValue, long.MaxValue];
        private readonly long[] _longBytes = [long.MaxValue, long.MaxValue];
        private readonly double[] _shortNanoseconds = [double.MaxValue, double.MaxValue];
        private readonly double[] _longNanoseconds = [double.MaxValue, double.MaxValue];

        public int HeardGenerations { get; private set; }

        public long HeardTokens { get; private set; }

        public long Extra(bool heard) => _longBytes[heard ? 1 : 0] - _shortBytes[heard ? 1 : 0];

        public long Fixed(bool heard) => _shortBytes[heard ? 1 : 0];

        public void Measure(SpeculativeGenerator generator, bool heard)
        {
            int i = heard ? 1 : 0;
            long started = Stopwatch.GetTimestamp();
            _shortBytes[i] = Math.Min(_shortBytes[i], Run(generator, shortLength, heard));
            _shortNanoseconds[i] = Math.Min(_shortNanoseconds[i], Stopwatch.GetElapsedTime(started).TotalNanoseconds);
            started = Stopwatch.GetTimestamp();
            _longBytes[i] = Math.Min(_longBytes[i], Run(generator, longLength, heard));
            _longNanoseconds[i] = Math.Min(_longNanoseconds[i], Stopwatch.GetElapsedTime(started).TotalNanoseconds);
        }

        public override string ToString()
        {
            int extraTokens = longLength - shortLength;
            double PerToken(int i) => (_longNanoseconds[i] - _shortNanoseconds[i]) / extraTokens;
            string Line(int i) => $"{Extra(i == 1) / (double)extraTokens:F2} B/token, {PerToken(i):F0} ns/token, {_shortBytes[i]} B per {shortLength}-token generation";
            return $"without listeners {Line(0)}; with a MeterListener and an ActivityListener {Line(1)}; " +
                $"listening adds {PerToken(1) - PerToken(0):F0} ns/token and {_shortBytes[1] - _shortBytes[0]} B per generation";
        }

        private long Run(SpeculativeGenerator generator, int tokens, bool heard)
        {
            long bytes = LoadedModels.DrainCountingAllocations(generator.GenerateAsync(Prompt, new GenerationOptions { IgnoreEndOfSequence = true, MaxNewTokens = tokens }), out int emitted);
            Assert.Equal(tokens, emitted);
            if (heard)
            {
                HeardGenerations++;
                HeardTokens += emitted;
            }

            return bytes;
        }
    }

    /// <summary>A fake target whose passes cost next to nothing and allocate nothing (after the pool's warm-up): its choice is a function of the last token and the position.</summary>
    private sealed class FreeModel : ITargetModel
    {
        public ModelInfo Info { get; } = new() { Name = "free", VocabularySize = 64, ContextLength = 4096 };

        public IModelSession CreateSession(int capacity) => new Session(capacity);

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        private sealed class Session(int capacity) : IModelSession
        {
            private readonly int[] _tokens = System.Buffers.ArrayPool<int>.Shared.Rent(capacity); // pooled: no bytes per token
            private readonly float[] _logits = new float[64];
            private int _start;

            public int Length { get; private set; }

            public int Capacity => capacity;

            public void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
            {
                tokens.CopyTo(_tokens.AsSpan(Length));
                _start = Length;
                Length += tokens.Length;
            }

            public ReadOnlySpan<float> GetLogits(int index)
            {
                int position = _start + index;
                Array.Clear(_logits);
                _logits[((_tokens[position] * 5) + position) % 64] = 1;
                return _logits;
            }

            public void Truncate(int length) => Length = length;

            public void Dispose() => System.Buffers.ArrayPool<int>.Shared.Return(_tokens);
        }
    }
}
