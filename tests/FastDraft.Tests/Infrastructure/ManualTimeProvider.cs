namespace FastDraft.Tests.Infrastructure;

/// <summary>
/// A clock that moves only when a test moves it (fake models advance it by what their passes are
/// meant to cost): timings are exact, the same on every machine, and never read the wall clock.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks;

    /// <summary>Gets the timestamp frequency: timestamps are <see cref="TimeSpan"/> ticks.</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => Epoch.AddTicks(GetTimestamp());

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan time) => Interlocked.Add(ref _ticks, time.Ticks);

    /// <summary>Moves the clock forward by <paramref name="microseconds"/> µs.</summary>
    public void AdvanceMicroseconds(long microseconds) => Advance(TimeSpan.FromMicroseconds(microseconds));
}
