using System.Diagnostics;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Telemetry;

/// <summary>
/// What a generation reports through the <c>FastDraft</c> meter and activity source is its
/// <see cref="GenerationStats"/>, number for number, however it ends, in every mode. Fake models
/// advance a fake clock by what their passes cost, so every time is exact.
/// </summary>
public sealed class GenerationTelemetryTests
{
    private const int Vocabulary = LetterTokenizer.VocabularySize;
    private const int TargetPassMicroseconds = 100;      // plus 2 µs per token
    private const int DraftPassMicroseconds = 10;
    private const int MaxNewTokens = 40;
    private const int StopAfter = 12;                    // tokens read before an early stop by the consumer
    private static readonly int[] Prompt = [0, 1, 2];

    /// <summary>The target: counts up through the alphabet, jumping at every ninth position (so n-gram lookup finds repeats, and misses).</summary>
    private static int Next(ReadOnlySpan<int> context) =>
        context.Length % 9 == 0 ? ((context[^1] * 5) + 3) % Vocabulary : (context[^1] + 1) % Vocabulary;

    private static int[] Reference(int count)
    {
        var context = new List<int>(Prompt);
        for (int i = 0; i < count; i++)
        {
            context.Add(Next(context.ToArray()));
        }

        return [.. context.Skip(Prompt.Length)];
    }

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (string mode in new[] { "target_only", "draft_model", "ngram" })
        {
            foreach (string ending in new[] { "max_new_tokens", "stop_token", "stop_sequence", "abandoned", "cancelled", "error" })
            {
                cases.Add(mode, ending);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryInstrumentAndTheSpan_ReportTheRequestsStats(string mode, string ending)
    {
        using var capture = new TelemetryCapture();
        var clock = new ManualTimeProvider();
        (SpeculativeGenerator generator, GenerationOptions options) = Setup(mode, ending, clock, capture.Factory);
        var stats = new GenerationStats();
        using var cancellation = new CancellationTokenSource();

        var ids = new List<int>();
        Exception? failure = null;
        try
        {
            await using IAsyncEnumerator<GeneratedToken> tokens = generator.GenerateAsync(Prompt, options, stats).GetAsyncEnumerator(cancellation.Token);
            while (await tokens.MoveNextAsync())
            {
                ids.Add(tokens.Current.Id);
                if (ids.Count == StopAfter && ending == "abandoned")
                {
                    break;
                }

                if (ids.Count == StopAfter && ending == "cancelled")
                {
                    await cancellation.CancelAsync();
                }
            }
        }
        catch (Exception exception)
        {
            failure = exception;
        }

        (string outcome, string? errorType) = ending switch
        {
            "cancelled" => ("cancelled", typeof(OperationCanceledException).FullName),
            "error" => ("error", typeof(GenerationException).FullName),
            _ => (ending, null),
        };
        Assert.Equal(errorType, failure?.GetType().FullName);
        Assert.Equal(Reference(ids.Count), ids);
        Assert.Equal(ids.Count, stats.GeneratedTokens);
        Assert.Equal(ending is "max_new_tokens" or "stop_token" or "stop_sequence" ? Enum.Parse<StopReason>(ending.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true) : StopReason.None, stats.StopReason);
        if (mode != "target_only" && ending == "max_new_tokens")
        {
            Assert.InRange(stats.AcceptedTokens, 1, stats.DraftedTokens - 1); // some accepted, some rejected: every path is reported
        }

        AssertMetricsReport(capture, stats, mode, outcome, errorType);
        AssertSpanReports(capture, stats, mode, outcome, errorType);
    }

    [Fact]
    public async Task Stats_AreTimedByTheTimeProvider()
    {
        var clock = new ManualTimeProvider();
        (SpeculativeGenerator generator, GenerationOptions options) = Setup("draft_model", "max_new_tokens", clock, meters: null);
        GenerationResult result = await generator.GenerateToListAsync(Prompt, options, TestContext.Current.CancellationToken);
        GenerationStats stats = result.Stats;

        // The draft reads the prompt in one pass; each later draft pass is in a round. Nothing else moves the clock.
        TimeSpan Microseconds(long value) => TimeSpan.FromMicroseconds(value);
        Assert.Equal(Microseconds(TargetPassMicroseconds + (2 * Prompt.Length) + DraftPassMicroseconds), stats.PrefillTime);
        Assert.Equal(Microseconds((stats.Rounds * (TargetPassMicroseconds + 2)) + (2 * stats.DraftedTokens)), stats.TargetTime);
        Assert.Equal(Microseconds(DraftPassMicroseconds * (stats.DraftCalls - 1)), stats.DraftTime);
        Assert.Equal(stats.PrefillTime, stats.TimeToFirstToken);
        Assert.Equal(stats.PrefillTime + stats.TargetTime + stats.DraftTime, stats.TotalTime);
    }

    [Fact]
    public async Task MeterFactory_MakesTheMeter_AndOnlyItsGeneratorsReportThere()
    {
        using var capture = new TelemetryCapture();
        var clock = new ManualTimeProvider();
        (SpeculativeGenerator withFactory, GenerationOptions options) = Setup("ngram", "max_new_tokens", clock, capture.Factory);
        Assert.Equal(1, capture.Factory.Created); // asked once, when the generator was made
        (SpeculativeGenerator withoutFactory, _) = Setup("ngram", "max_new_tokens", clock, meters: null);

        await withFactory.GenerateToListAsync(Prompt, options, TestContext.Current.CancellationToken);
        await withoutFactory.GenerateToListAsync(Prompt, options, TestContext.Current.CancellationToken);
        await withFactory.GenerateToListAsync(Prompt, options with { MaxNewTokens = 5 }, TestContext.Current.CancellationToken);

        Assert.Equal(new[] { MaxNewTokens, 5 }, capture.Of("fastdraft.token.usage").Where(m => m.Tag("gen_ai.token.type") == "output").Select(m => (int)m.Value));
        Assert.Equal(3, capture.Generations.Length); // spans do not depend on the meter
    }

    [Fact]
    public async Task DraftLengthHistogram_LeavesOutARoundCancelledBeforeVerification()
    {
        // The third round is cancelled while its draft proposes: the target's pass then throws before it
        // runs, and the round is in no count; the two verified rounds stay recorded.
        using var cancellation = new CancellationTokenSource();
        int rounds = 0;
        var draft = new ScriptedDraft((context, k) =>
        {
            if (k > 0 && ++rounds == 3)
            {
                cancellation.Cancel();
            }

            var proposal = new List<int>(context);
            for (int i = 0; i < k; i++)
            {
                proposal.Add(Next(proposal.ToArray()));
            }

            return [.. proposal.Skip(context.Length)];
        });
        var generator = new SpeculativeGenerator(new FunctionModel(Vocabulary, Next), draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false });
        var stats = new GenerationStats();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GeneratedToken token in generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = MaxNewTokens }, stats, cancellation.Token))
            {
                Assert.True(token.Index < MaxNewTokens);
            }
        });

        Assert.Equal(2, stats.Rounds);
        Assert.Equal([0, 0, 0, 0, 2], stats.RoundsByDraftLength);
        Assert.Equal(8, stats.DraftedTokens);
    }

    private static (SpeculativeGenerator Generator, GenerationOptions Options) Setup(string mode, string ending, ManualTimeProvider clock, TestMeterFactory? meters)
    {
        var target = new FunctionModel(Vocabulary, Next) { OnPass = tokens => clock.AdvanceMicroseconds(TargetPassMicroseconds + (2 * tokens)) };

        // The draft model agrees with the target except at every fourth position.
        var draftModel = new FunctionModel(Vocabulary, context => context.Length % 4 == 0 ? (Next(context) + 7) % Vocabulary : Next(context))
        {
            OnPass = _ => clock.AdvanceMicroseconds(DraftPassMicroseconds),
        };
        IDraftModel? draft = mode switch
        {
            "target_only" => null,
            "draft_model" => draftModel.AsDraft(),
            _ => new NGramDraftModel(),
        };
        int[] reference = Reference(MaxNewTokens);
        string text = LetterTokenizer.Text(reference);
        int newAt = Enumerable.Range(20, MaxNewTokens - 20).First(i => !reference[..i].Contains(reference[i]));
        int newPairAt = Enumerable.Range(20, MaxNewTokens - 21).First(i => text.IndexOf(text.Substring(i, 2), StringComparison.Ordinal) == i);
        var options = new GenerationOptions { MaxNewTokens = MaxNewTokens };
        options = ending switch
        {
            "stop_token" => options with { StopTokenIds = [reference[newAt]] },
            "stop_sequence" => options with { StopSequences = [text.Substring(newPairAt, 2)] },
            "error" => options with { LogitsProcessors = [new MaskAllAt(Prompt.Length + 16)] },
            _ => options,
        };

        var speculative = new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false, TimeProvider = clock, MeterFactory = meters };
        return (new SpeculativeGenerator(target, draft, speculative, ending == "stop_sequence" ? new LetterTokenizer() : null), options);
    }

    private static void AssertMetricsReport(TelemetryCapture capture, GenerationStats stats, string mode, string outcome, string? errorType)
    {
        Measurement[] all = [.. capture.Measurements.Where(m => m.Meter == FastDraftTelemetry.Name)];
        Assert.NotEmpty(all);
        Assert.All(all, m =>
        {
            Assert.Equal("text_completion", m.Tag("gen_ai.operation.name"));
            Assert.Equal("fastdraft", m.Tag("gen_ai.provider.name"));
            Assert.Equal("fake", m.Tag("gen_ai.request.model"));
            Assert.Equal("fake", m.Tag("gen_ai.response.model"));
            Assert.Equal(mode, m.Tag("fastdraft.mode"));
            Assert.Equal(outcome, m.Tag("fastdraft.outcome"));
            Assert.Equal(errorType, m.Tag("error.type"));
        });

        double Single(string instrument) => Assert.Single(capture.Of(instrument)).Value;
        double Sum(string instrument) => capture.Of(instrument).Sum(m => m.Value);
        bool failed = errorType is not null;

        Assert.Equal(stats.TotalTime.TotalSeconds, Single("gen_ai.server.request.duration"));
        double[] firstToken = failed ? [] : [stats.TimeToFirstToken.TotalSeconds];
        double[] perToken = failed ? [] : [(stats.TotalTime - stats.TimeToFirstToken).TotalSeconds / (stats.GeneratedTokens - 1)];
        Assert.Equal(firstToken, capture.Of("gen_ai.server.time_to_first_token").Select(m => m.Value));
        Assert.Equal(perToken, capture.Of("gen_ai.server.time_per_output_token").Select(m => m.Value));
        Measurement[] usage = capture.Of("fastdraft.token.usage");
        Assert.Equal(stats.PromptTokens, Assert.Single(usage, m => m.Tag("gen_ai.token.type") == "input").Value);
        Assert.Equal(stats.GeneratedTokens, Assert.Single(usage, m => m.Tag("gen_ai.token.type") == "output").Value);
        Assert.Equal(stats.PrefillTime.TotalSeconds, Single("fastdraft.prefill.duration"));
        Assert.Equal(stats.TargetTime.TotalSeconds, Single("fastdraft.target.duration"));
        Assert.Equal(stats.TargetCalls, Sum("fastdraft.target.passes"));
        Assert.True(stats.TotalTime > TimeSpan.Zero && stats.TargetCalls > 1, "the generation ran rounds");

        if (mode == "target_only")
        {
            Assert.DoesNotContain(all, m => m.Instrument.StartsWith("fastdraft.draft.", StringComparison.Ordinal));
            return;
        }

        Assert.Equal(stats.DraftTime.TotalSeconds, Single("fastdraft.draft.duration"));
        Assert.Equal(stats.DraftCalls, Sum("fastdraft.draft.passes"));
        Assert.Equal(stats.DraftedTokens, Sum("fastdraft.draft.tokens"));
        Assert.Equal(stats.AcceptedTokens, Sum("fastdraft.draft.accepted_tokens"));

        // One accepted length per round with a proposal; as many of them reach position i + 1 as proposals at position i were accepted.
        double[] acceptedLengths = [.. capture.Of("fastdraft.draft.accepted_length").Select(m => m.Value)];
        Assert.Equal(stats.DraftRounds, acceptedLengths.Length);
        Assert.Equal(stats.AcceptedTokens, acceptedLengths.Sum());
        Assert.Equal(stats.AcceptedByPosition, Enumerable.Range(0, stats.AcceptedByPosition.Count).Select(i => acceptedLengths.Count(a => a > i)));

        // One chosen K per round.
        double[] draftLengths = [.. capture.Of("fastdraft.draft.length").Select(m => m.Value)];
        Assert.Equal(stats.Rounds, draftLengths.Length);
        Assert.Equal(stats.RoundsByDraftLength, Enumerable.Range(0, stats.RoundsByDraftLength.Count).Select(k => draftLengths.Count(d => d == k)));
    }

    private static void AssertSpanReports(TelemetryCapture capture, GenerationStats stats, string mode, string outcome, string? errorType)
    {
        Activity span = Assert.Single(capture.Generations);
        Assert.Equal(capture.Root.SpanId, span.ParentSpanId);
        Assert.Equal("text_completion fake", span.DisplayName);
        Assert.Equal(ActivityKind.Internal, span.Kind);
        Assert.Equal("fake", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal(mode, span.GetTagItem("fastdraft.mode"));
        Assert.Equal(outcome, span.GetTagItem("fastdraft.outcome"));
        Assert.Equal(stats.FinishReason is { } reason ? new[] { reason } : null, span.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Equal(stats.PromptTokens, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(stats.GeneratedTokens, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(stats.TargetCalls, span.GetTagItem("fastdraft.target.passes"));
        Assert.Equal(stats.Rounds, span.GetTagItem("fastdraft.rounds"));
        Assert.Equal(stats.TotalTime, span.Duration);
        string[] events = errorType is null ? ["fastdraft.prefill", "fastdraft.decode"] : ["fastdraft.prefill", "fastdraft.decode", "exception"];
        Assert.Equal(events, span.Events.Select(e => e.Name));
        Assert.Equal(errorType is null ? ActivityStatusCode.Unset : ActivityStatusCode.Error, span.Status);
        Assert.Equal(errorType, span.GetTagItem("error.type"));
        if (mode != "target_only")
        {
            Assert.Equal(stats.DraftedTokens, span.GetTagItem("fastdraft.draft.tokens"));
            Assert.Equal(stats.AcceptedTokens, span.GetTagItem("fastdraft.draft.accepted_tokens"));
            Assert.Equal(stats.DraftCalls, span.GetTagItem("fastdraft.draft.passes"));
        }
    }

    /// <summary>Masks every token at one context length: the generation fails there with a <see cref="GenerationException"/>.</summary>
    private sealed class MaskAllAt(int length) : ILogitsProcessor
    {
        public void Process(Span<float> logits, ReadOnlySpan<int> context)
        {
            if (context.Length == length)
            {
                logits.Fill(float.NegativeInfinity);
            }
        }
    }
}
