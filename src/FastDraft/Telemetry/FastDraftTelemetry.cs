using System.Diagnostics;
using System.Reflection;

namespace FastDraft;

/// <summary>
/// The names under which FastDraft reports metrics (<see cref="System.Diagnostics.Metrics.Meter"/>) and
/// traces (<see cref="ActivitySource"/>): subscribe to <see cref="Name"/> with <c>dotnet-counters</c>, an
/// OpenTelemetry SDK (<c>AddMeter</c>, <c>AddSource</c>) or a <see cref="System.Diagnostics.Metrics.MeterListener"/>
/// and <see cref="ActivityListener"/>. The README's Observability section lists every instrument.
/// </summary>
/// <remarks>
/// Nothing is measured for a listener that is not there: with no listener, the generator records into
/// <see cref="GenerationStats"/> only, allocating nothing per token.
/// </remarks>
public static class FastDraftTelemetry
{
    /// <summary>The name of FastDraft's meter and of its activity source: <c>FastDraft</c>.</summary>
    public const string Name = "FastDraft";

    /// <summary>The value of the <c>gen_ai.provider.name</c> attribute on FastDraft's metrics and spans: <c>fastdraft</c>.</summary>
    public const string ProviderName = "fastdraft";

    /// <summary>Gets the version reported with the meter and the activity source (the assembly's informational version).</summary>
    internal static string? Version { get; } =
        typeof(FastDraftTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>Gets the activity source of generation spans (shared: an activity source costs nothing without listeners).</summary>
    internal static ActivitySource Source { get; } = new(Name, Version);
}
