namespace FastDraft.Evaluation;

/// <summary>The machine an evaluation ran on: its logical CPUs, and how busy it was when the run started and ended.</summary>
/// <param name="ProcessorCount">The logical CPUs the process may use.</param>
/// <param name="AtStart">The load averages as the run started (<see langword="null"/> where the system does not report them).</param>
/// <param name="AtEnd">The load averages as the run ended.</param>
public sealed record MachineLoad(int ProcessorCount, LoadAverage? AtStart, LoadAverage? AtEnd)
{
    /// <summary>
    /// Gets a value indicating whether the machine was busy: a 1-minute load average, at the start or the end, of at least
    /// the CPU count. The evaluation itself keeps about one core's worth of work runnable; at that load something else
    /// competed for every core.
    /// </summary>
    public bool Busy => Math.Max(AtStart?.OneMinute ?? 0, AtEnd?.OneMinute ?? 0) >= ProcessorCount;

    /// <summary>Reads the current state (the CPU count and the load averages, as both start and end).</summary>
    internal static MachineLoad Now()
    {
        LoadAverage? now = LoadAverage.Read();
        return new MachineLoad(Environment.ProcessorCount, now, now);
    }
}
