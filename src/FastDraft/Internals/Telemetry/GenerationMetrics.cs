using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace FastDraft.Internals.Telemetry;

/// <summary>
/// The instruments of one <c>FastDraft</c> meter, and how a finished generation's
/// <see cref="GenerationStats"/> is reported through them. The generic ones follow the OpenTelemetry
/// GenAI semantic conventions for model servers; the <c>fastdraft.*</c> ones are what speculative
/// decoding adds. Every measurement of a request is taken once, when it ends, so that each carries
/// its outcome; an instrument nobody listens to is skipped.
/// </summary>
internal sealed class GenerationMetrics
{
    // Semantic-convention buckets: durations of whole requests, first tokens, and tokens after the first. The
    // per-token buckets start at 0.1 ms, where the conventions' start at 10 ms: small pairs on a CPU emit a token in well
    // under a millisecond (the demo pair: about 0.2-0.4 ms), which the conventions' boundaries all put in the first bucket.
    private static readonly double[] RequestBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly double[] FirstTokenBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    private static readonly double[] PerTokenBuckets = [0.0001, 0.00015, 0.0002, 0.0003, 0.0004, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];
    private static readonly int[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    private static readonly int[] DraftLengthBuckets = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 48, 64];

    private static readonly ConditionalWeakTable<Meter, GenerationMetrics> ByMeter = [];
    private static readonly Lazy<GenerationMetrics> Shared = new(() => new GenerationMetrics(new Meter(new MeterOptions(FastDraftTelemetry.Name) { Version = FastDraftTelemetry.Version })));

    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;
    private readonly Histogram<int> _tokenUsage;
    private readonly Histogram<double> _prefillDuration;
    private readonly Histogram<double> _targetDuration;
    private readonly Histogram<double> _draftDuration;
    private readonly Counter<long> _targetPasses;
    private readonly Counter<long> _draftPasses;
    private readonly Counter<long> _draftedTokens;
    private readonly Counter<long> _acceptedTokens;
    private readonly Counter<long> _lookupTokens;
    private readonly Counter<long> _lookupAcceptedTokens;
    private readonly Histogram<int> _acceptedLength;
    private readonly Histogram<int> _draftLength;
    private readonly Counter<long> _poolLookups;
    private readonly Counter<long> _poolHits;
    private readonly Counter<long> _reusedTokens;

    private GenerationMetrics(Meter meter)
    {
        _requestDuration = meter.CreateHistogram("gen_ai.server.request.duration", "s", "Time from the start of a generation to its end (its last token, its failure or its abandonment).", null, Advice(RequestBuckets));
        _timeToFirstToken = meter.CreateHistogram("gen_ai.server.time_to_first_token", "s", "Time from the start of a generation to its first emitted token, for generations that did not fail.", null, Advice(FirstTokenBuckets));
        _timePerOutputToken = meter.CreateHistogram("gen_ai.server.time_per_output_token", "s", "Time per emitted token after the first, for generations of two or more tokens that did not fail.", null, Advice(PerTokenBuckets));
        _tokenUsage = meter.CreateHistogram("fastdraft.token.usage", "{token}", "Prompt (gen_ai.token.type input) and emitted (output) tokens of a generation.", null, Advice(TokenBuckets));
        _prefillDuration = meter.CreateHistogram("fastdraft.prefill.duration", "s", "Time of a generation's prompt pass: the target's, and the draft's reading of the prompt.", null, Advice(FirstTokenBuckets));
        _targetDuration = meter.CreateHistogram("fastdraft.target.duration", "s", "Time a generation spent in target forward passes after the prompt pass.", null, Advice(RequestBuckets));
        _draftDuration = meter.CreateHistogram("fastdraft.draft.duration", "s", "Time a generation spent proposing drafts.", null, Advice(RequestBuckets));
        _targetPasses = meter.CreateCounter<long>("fastdraft.target.passes", "{pass}", "Target forward passes, the prompt pass included.");
        _draftPasses = meter.CreateCounter<long>("fastdraft.draft.passes", "{pass}", "Draft model forward passes (none for n-gram drafts).");
        _draftedTokens = meter.CreateCounter<long>("fastdraft.draft.tokens", "{token}", "Tokens the draft proposed.");
        _acceptedTokens = meter.CreateCounter<long>("fastdraft.draft.accepted_tokens", "{token}", "Proposed tokens the target accepted.");
        _lookupTokens = meter.CreateCounter<long>("fastdraft.lookup.tokens", "{token}", "Proposed tokens prompt lookup copied from the context (counted in fastdraft.draft.tokens too).");
        _lookupAcceptedTokens = meter.CreateCounter<long>("fastdraft.lookup.accepted_tokens", "{token}", "Proposed tokens prompt lookup copied that the target accepted (counted in fastdraft.draft.accepted_tokens too).");
        _acceptedLength = meter.CreateHistogram("fastdraft.draft.accepted_length", "{token}", "Proposals accepted in a round that had at least one.", null, Advice(DraftLengthBuckets));
        _poolLookups = meter.CreateCounter<long>("fastdraft.session_pool.lookups", "{request}", "Generations that looked for a pooled session (SpeculativeOptions.SessionPool).");
        _poolHits = meter.CreateCounter<long>("fastdraft.session_pool.hits", "{request}", "Generations that reused a pooled session holding a prefix of their prompt.");
        _reusedTokens = meter.CreateCounter<long>("fastdraft.session_pool.reused_tokens", "{token}", "Prompt tokens a reused session already held: the prompt pass skipped them.");
        _draftLength = meter.CreateHistogram("fastdraft.draft.length", "{token}", "Tokens the generator chose to draft in a round (K, adapted when AdaptiveDraftTokens is on).", null, Advice(DraftLengthBuckets));
    }

    /// <summary>The instruments of the meter <paramref name="factory"/> creates, or of the shared meter when it is <see langword="null"/>.</summary>
    public static GenerationMetrics For(IMeterFactory? factory) =>
        factory is null
            ? Shared.Value
            : ByMeter.GetValue(factory.Create(new MeterOptions(FastDraftTelemetry.Name) { Version = FastDraftTelemetry.Version }), static meter => new GenerationMetrics(meter));

    /// <summary>Reports a finished generation, tagged with <paramref name="tags"/>; the drafting instruments only when it had a draft.</summary>
    /// <param name="stats">The generation's final statistics.</param>
    /// <param name="tags">The generation's tags (model, mode, outcome and, after a failure, the error type).</param>
    /// <param name="failed">Whether the generation ended in an exception (cancellation included): the per-token latencies are then not reported.</param>
    /// <param name="drafts">Whether the generation had a draft.</param>
    /// <param name="pooled">Whether the generation looked for its sessions in a <see cref="SessionPool"/>.</param>
    public void Record(GenerationStats stats, in TagList tags, bool failed, bool drafts, bool pooled = false)
    {
        if (pooled)
        {
            Add(_poolLookups, 1, tags);
            Add(_poolHits, stats.ReusedSession ? 1 : 0, tags);
            Add(_reusedTokens, stats.ReusedPromptTokens, tags);
        }

        if (_requestDuration.Enabled)
        {
            _requestDuration.Record(stats.TotalTime.TotalSeconds, tags);
        }

        if (!failed && stats.GeneratedTokens > 0 && _timeToFirstToken.Enabled)
        {
            _timeToFirstToken.Record(stats.TimeToFirstToken.TotalSeconds, tags);
        }

        if (!failed && stats.GeneratedTokens > 1 && _timePerOutputToken.Enabled)
        {
            _timePerOutputToken.Record(TimePerOutputToken(stats), tags);
        }

        if (_tokenUsage.Enabled)
        {
            TagList input = tags;
            input.Add(TelemetryTags.TokenType, "input");
            _tokenUsage.Record(stats.PromptTokens, input);
            TagList output = tags;
            output.Add(TelemetryTags.TokenType, "output");
            _tokenUsage.Record(stats.GeneratedTokens, output);
        }

        Seconds(_prefillDuration, stats.PrefillTime, tags);
        Seconds(_targetDuration, stats.TargetTime, tags);
        Add(_targetPasses, stats.TargetCalls, tags);
        if (!drafts)
        {
            return;
        }

        Seconds(_draftDuration, stats.DraftTime, tags);
        Add(_draftPasses, stats.DraftCalls, tags);
        Add(_draftedTokens, stats.DraftedTokens, tags);
        Add(_acceptedTokens, stats.AcceptedTokens, tags);
        Add(_lookupTokens, stats.LookupTokens, tags);
        Add(_lookupAcceptedTokens, stats.LookupAcceptedTokens, tags);
        if (_acceptedLength.Enabled)
        {
            // Rounds that accepted exactly a proposals: those that accepted more than a - 1, less those that accepted more than a.
            IReadOnlyList<int> acceptedAt = stats.AcceptedByPosition;
            for (int accepted = 0; accepted <= acceptedAt.Count; accepted++)
            {
                int atLeast = accepted == 0 ? stats.DraftRounds : acceptedAt[accepted - 1];
                int more = accepted < acceptedAt.Count ? acceptedAt[accepted] : 0;
                Repeat(_acceptedLength, accepted, atLeast - more, tags);
            }
        }

        if (_draftLength.Enabled)
        {
            IReadOnlyList<int> rounds = stats.RoundsByDraftLength;
            for (int k = 0; k < rounds.Count; k++)
            {
                Repeat(_draftLength, k, rounds[k], tags);
            }
        }
    }

    /// <summary>The mean time per emitted token after the first, as the semantic conventions define it.</summary>
    internal static double TimePerOutputToken(GenerationStats stats) =>
        (stats.TotalTime - stats.TimeToFirstToken).TotalSeconds / (stats.GeneratedTokens - 1);

    private static void Seconds(Histogram<double> histogram, TimeSpan time, in TagList tags)
    {
        if (histogram.Enabled)
        {
            histogram.Record(time.TotalSeconds, tags);
        }
    }

    private static void Add(Counter<long> counter, long value, in TagList tags)
    {
        if (counter.Enabled)
        {
            counter.Add(value, tags);
        }
    }

    private static void Repeat(Histogram<int> histogram, int value, int times, in TagList tags)
    {
        for (int i = 0; i < times; i++)
        {
            histogram.Record(value, tags);
        }
    }

    private static InstrumentAdvice<T> Advice<T>(T[] buckets)
        where T : struct => new() { HistogramBucketBoundaries = buckets };
}
