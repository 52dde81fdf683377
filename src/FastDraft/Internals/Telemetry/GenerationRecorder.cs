using System.Diagnostics;

namespace FastDraft.Internals.Telemetry;

/// <summary>
/// The telemetry of one generation: what the generator tells it goes into the request's
/// <see cref="GenerationStats"/>, and, when the generation ends, into the <c>FastDraft</c> meter's
/// instruments and the generation's span. It only listens: the generator never reads anything back.
/// </summary>
/// <remarks>
/// Created when an enumeration starts (claiming the statistics, starting the span) and ended exactly
/// once, by <see cref="End"/>, however the enumeration ends. Per token and per round it only adds
/// to counters: nothing is allocated, and no listener is called, until the end.
/// </remarks>
internal sealed class GenerationRecorder
{
    private readonly GenerationMetrics _metrics;
    private readonly GenerationStats _stats;
    private readonly TimeProvider _time;
    private readonly string _model;
    private readonly string _mode;
    private readonly bool _drafts;
    private readonly Activity? _activity;
    private StopReason _reason;
    private Exception? _failure;
    private bool _cancelled;
    private bool _pooled;
    private long _draftCallsBefore;

    /// <summary>Starts recording a generation.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="stats"/> is recording another generation.</exception>
    public GenerationRecorder(GenerationMetrics metrics, GenerationStats stats, TimeProvider time, string model, IDraftModel? draft, int draftTokens, int promptTokens, GenerationOptions options)
    {
        _metrics = metrics;
        _stats = stats;
        _time = time;
        _model = model;
        _mode = TelemetryTags.ModeOf(draft);
        _drafts = draft is not null;
        stats.Begin(time, time.GetTimestamp(), promptTokens, _drafts ? draftTokens : 0);
        _activity = StartActivity(options, _drafts ? draftTokens : 0);
    }

    /// <summary>
    /// Records where the sessions came from: a <see cref="SessionPool"/> or not, how many prompt tokens they already held, and the
    /// draft session's passes before this generation (a pooled session counts those of earlier ones).
    /// </summary>
    public void Sessions(bool pooled, int reusedTokens, long draftCallsBefore)
    {
        _pooled = pooled;
        _draftCallsBefore = draftCallsBefore;
        _stats.RecordReuse(reusedTokens);
    }

    /// <summary>Records the prompt pass: the target's and the draft's time in it (timestamp ticks) and the draft session's passes so far.</summary>
    public void PromptPass(long targetTicks, long draftTicks, long draftCalls)
    {
        _stats.RecordPrefill(targetTicks + draftTicks, draftCalls - _draftCallsBefore);
        _activity?.AddEvent(new ActivityEvent("fastdraft.prefill", _time.GetUtcNow(), new ActivityTagsCollection
        {
            ["gen_ai.usage.input_tokens"] = _stats.PromptTokens,
            ["fastdraft.prefill.duration"] = _stats.PrefillTime.TotalSeconds,
            ["fastdraft.prefill.reused_tokens"] = _stats.ReusedPromptTokens,
        }));
    }

    /// <summary>Records a token handed to the consumer.</summary>
    public void Token(TokenSource source) => _stats.RecordToken(source);

    /// <summary>
    /// Records a round: the draft length chosen, the proposals, how many were accepted, the draft's and the verification's time
    /// (timestamp ticks), the draft's passes so far, and how many of the proposals and of the accepted ones prompt lookup copied.
    /// </summary>
    public void Round(int chosen, int drafted, int accepted, long draftTicks, long verifyTicks, long draftCalls, int copied, int copiedAccepted) =>
        _stats.RecordRound(chosen, drafted, accepted, draftTicks, verifyTicks, draftCalls - _draftCallsBefore, copied, copiedAccepted);

    /// <summary>Records why the generation stopped.</summary>
    public void Stop(StopReason reason) => _reason = reason;

    /// <summary>Records the exception the generation ends with; a cancellation when it is an <see cref="OperationCanceledException"/> for <paramref name="cancellationToken"/>.</summary>
    public void Fail(Exception exception, CancellationToken cancellationToken)
    {
        _failure = exception;
        _cancelled = exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
    }

    /// <summary>Ends the record: final statistics, then the measurements and the span, if anyone listens.</summary>
    public void End()
    {
        _stats.End(_reason, _time.GetTimestamp());
        string outcome = _failure is not null ? (_cancelled ? TelemetryTags.Cancelled : TelemetryTags.Error)
            : _reason != StopReason.None ? TelemetryTags.OutcomeOf(_reason)
            : TelemetryTags.Abandoned;
        string? errorType = _failure?.GetType().FullName;
        var tags = new TagList
        {
            { TelemetryTags.OperationName, TelemetryTags.TextCompletion },
            { TelemetryTags.ProviderName, FastDraftTelemetry.ProviderName },
            { TelemetryTags.RequestModel, _model },
            { TelemetryTags.ResponseModel, _model }, // the target answers every request itself: no routing, no aliases
            { TelemetryTags.Mode, _mode },
            { TelemetryTags.Outcome, outcome },
        };
        if (errorType is not null)
        {
            tags.Add(TelemetryTags.ErrorType, errorType);
        }

        _metrics.Record(_stats, tags, _failure is not null, _drafts, _pooled);
        if (_activity is not null)
        {
            EndActivity(_activity, outcome, errorType);
        }
    }

    private Activity? StartActivity(GenerationOptions options, int draftTokens)
    {
        ActivitySource source = FastDraftTelemetry.Source;
        if (!source.HasListeners())
        {
            return null;
        }

        // The name is set once the span exists: a declined span costs no string.
        Activity? activity = source.StartActivity(TelemetryTags.TextCompletion, ActivityKind.Internal, parentContext: default, startTime: _time.GetUtcNow());
        if (activity is null)
        {
            return null;
        }

        activity.DisplayName = $"{TelemetryTags.TextCompletion} {_model}";
        activity.SetTag(TelemetryTags.OperationName, TelemetryTags.TextCompletion)
            .SetTag(TelemetryTags.ProviderName, FastDraftTelemetry.ProviderName)
            .SetTag(TelemetryTags.RequestModel, _model)
            .SetTag(TelemetryTags.Mode, _mode)
            .SetTag("gen_ai.request.max_tokens", options.MaxNewTokens)
            .SetTag("gen_ai.request.temperature", (double)options.Temperature);
        if (options.Temperature > 0)
        {
            activity.SetTag("gen_ai.request.top_p", (double)options.TopP).SetTag("gen_ai.request.top_k", options.TopK);
        }

        if (options.Seed is long seed)
        {
            activity.SetTag("gen_ai.request.seed", seed);
        }

        if (draftTokens > 0)
        {
            activity.SetTag("fastdraft.draft.max_tokens", draftTokens);
        }

        return activity;
    }

    private void EndActivity(Activity activity, string outcome, string? errorType)
    {
        GenerationStats stats = _stats;
        activity.AddEvent(new ActivityEvent("fastdraft.decode", _time.GetUtcNow(), new ActivityTagsCollection
        {
            ["fastdraft.rounds"] = stats.Rounds,
            ["fastdraft.target.duration"] = stats.TargetTime.TotalSeconds,
            ["fastdraft.draft.duration"] = stats.DraftTime.TotalSeconds,
        }));
        activity.SetTag(TelemetryTags.ResponseModel, _model)
            .SetTag("gen_ai.usage.input_tokens", stats.PromptTokens)
            .SetTag("gen_ai.usage.output_tokens", stats.GeneratedTokens)
            .SetTag(TelemetryTags.Outcome, outcome)
            .SetTag("fastdraft.target.passes", stats.TargetCalls)
            .SetTag("fastdraft.rounds", stats.Rounds);
        if (stats.FinishReason is { } finishReason)
        {
            activity.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
        }

        if (stats.GeneratedTokens > 0)
        {
            activity.SetTag("fastdraft.time_to_first_token", stats.TimeToFirstToken.TotalSeconds);
        }

        if (_drafts)
        {
            activity.SetTag("fastdraft.draft.passes", stats.DraftCalls)
                .SetTag("fastdraft.draft.tokens", stats.DraftedTokens)
                .SetTag("fastdraft.draft.accepted_tokens", stats.AcceptedTokens)
                .SetTag("fastdraft.draft.acceptance_rate", stats.AcceptanceRate)
                .SetTag("fastdraft.draft.mean_accepted_length", stats.MeanAcceptedLength)
                .SetTag("fastdraft.lookup.tokens", stats.LookupTokens)
                .SetTag("fastdraft.lookup.accepted_tokens", stats.LookupAcceptedTokens);
        }

        if (_failure is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, _failure.Message)
                .SetTag(TelemetryTags.ErrorType, errorType)
                .AddException(_failure, timestamp: _time.GetUtcNow());
        }

        activity.SetEndTime(_time.GetUtcNow().UtcDateTime);
        activity.Stop();
    }
}
