namespace FastDraft.Tests.Text.Jinja;

/// <summary>A clock stopped at the moment render_expected.py gives strftime_now (2024-09-26 14:30:05, in UTC as local time).</summary>
internal sealed class FixedClock : TimeProvider
{
    public static readonly FixedClock Instance = new();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow() => new(2024, 9, 26, 14, 30, 5, TimeSpan.Zero);
}
