using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FastDraft.Tests.Infrastructure;

/// <summary>A meter factory of its own, so that a test hears only the meters it made (tests run in parallel).</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly ConcurrentDictionary<string, Meter> _meters = new();

    public int Created => _meters.Count;

    public Meter Create(MeterOptions options) =>
        _meters.GetOrAdd(options.Name, name => new Meter(name, options.Version, options.Tags, scope: this));

    public void Dispose()
    {
        foreach (Meter meter in _meters.Values)
        {
            meter.Dispose();
        }
    }
}

/// <summary>One measurement: the instrument's meter and name, the value, and its tags.</summary>
internal sealed record Measurement(string Meter, string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string key) => Tags.TryGetValue(key, out object? value) ? value as string : null;
}

/// <summary>
/// What one test's generations report: every measurement of the meters its <see cref="Factory"/> made
/// (and of the meters named in <c>otherMeters</c>), and every span of the activity sources named in
/// <c>sources</c> under a root activity it starts, which the test's generations run under. Tests run
/// in parallel; nothing another test records is heard.
/// </summary>
/// <remarks>Create it on the test's own async flow before generating: the root becomes <see cref="Activity.Current"/> there.</remarks>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly MeterListener _meterListener = new();
    private readonly ActivityListener _activityListener;
    private readonly ConcurrentQueue<Measurement> _measurements = new();
    private readonly ConcurrentQueue<Activity> _spans = new();

    public TelemetryCapture(string[]? otherMeters = null, string[]? sources = null)
    {
        string[] meters = otherMeters ?? [];
        string[] sourceNames = sources ?? [FastDraftTelemetry.Name];
        Root = new Activity("telemetry-test").Start();
        ActivityTraceId trace = Root.TraceId;
        _activityListener = new ActivityListener
        {
            ShouldListenTo = source => sourceNames.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent.TraceId == trace ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == trace)
                {
                    _spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activityListener);

        _meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, Factory) || meters.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meterListener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meterListener.Start();
    }

    /// <summary>Gets the meter factory to give the generators under test.</summary>
    public TestMeterFactory Factory { get; } = new();

    /// <summary>Gets the root activity the test's spans are under.</summary>
    public Activity Root { get; }

    public IReadOnlyList<Measurement> Measurements => [.. _measurements];

    public IReadOnlyList<Activity> Spans => [.. _spans];

    /// <summary>The measurements of one instrument of the <c>FastDraft</c> meter.</summary>
    public Measurement[] Of(string instrument) => [.. _measurements.Where(m => m.Meter == FastDraftTelemetry.Name && m.Instrument == instrument)];

    /// <summary>The spans of the <c>FastDraft</c> activity source.</summary>
    public Activity[] Generations => [.. _spans.Where(s => s.Source.Name == FastDraftTelemetry.Name)];

    public void Dispose()
    {
        _meterListener.Dispose();
        _activityListener.Dispose();
        Root.Stop();
        Factory.Dispose();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new Measurement(instrument.Meter.Name, instrument.Name, value, copy));
    }
}
