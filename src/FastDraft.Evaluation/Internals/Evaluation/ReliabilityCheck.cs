using System.Globalization;

namespace FastDraft.Evaluation;

/// <summary>
/// Says when a report's ordering of modes is not to be trusted: the repetitions disagree by more than the modes differ,
/// the decode rates and the speed-ups rank the modes differently, the machine was busy, or one repetition cannot
/// measure its own noise. Modes are compared by <see cref="ModeReport.Speedup"/> everywhere (recommendation and chart).
/// </summary>
internal static class ReliabilityCheck
{
    public static List<string> Warnings(IReadOnlyList<ModeReport> modes, Recommendation recommendation, MachineLoad machine, int repetitions)
    {
        var warnings = new List<string>();
        ModeReport[] speculative = [.. modes.Where(m => m.Proposer is not null)];
        if (repetitions < 2)
        {
            warnings.Add("One repetition: the run cannot tell its own noise from a difference between modes; use 3 or more repetitions before choosing between close modes.");
        }

        // The recommended mode against its strongest rival (or, when the recommendation is target-only, the top two).
        ModeReport? leader = speculative.FirstOrDefault(m => m.Name == recommendation.Mode) ?? speculative.MaxBy(m => m.Speedup);
        ModeReport? rival = leader is null ? null : speculative.Where(m => m != leader).MaxBy(m => m.Speedup);
        if (repetitions >= 2 && leader is not null && rival is not null && Overlap(leader, rival))
        {
            warnings.Add(F($"{leader.Name} ({Range(leader)}) and {rival.Name} ({Range(rival)}): the repetitions disagree by more than these modes differ (their ranges overlap), so this run does not tell which is faster; more repetitions on a quieter machine would separate them."));
        }

        ModeReport? topRate = speculative.MaxBy(m => m.DecodeTokensPerSecond);
        ModeReport? topSpeedup = speculative.MaxBy(m => m.Speedup);
        if (topRate is not null && topSpeedup is not null && topRate != topSpeedup)
        {
            warnings.Add(F($"{topRate.Name} has the highest decode rate ({topRate.DecodeTokensPerSecond:F1} tok/s, the median of its own repetitions) but {topSpeedup.Name} the highest speed-up ({topSpeedup.Speedup:F2}×, each repetition's rate ÷ target-only's in the same repetition, then the median): the machine's speed changed between repetitions by more than these modes differ. The recommendation and the speed-up chart use the paired speed-up."));
        }

        if (machine.Busy)
        {
            warnings.Add(F($"The machine was busy: 1-minute load average {Load(machine.AtStart)} at the start and {Load(machine.AtEnd)} at the end, on {machine.ProcessorCount} logical CPUs. Other processes competed for the cores the measurement used; timings are slower and noisier than on a quiet machine."));
        }

        return warnings;
    }

    /// <summary>Whether two modes' repetition ranges [least, greatest speed-up] overlap.</summary>
    internal static bool Overlap(ModeReport a, ModeReport b) => a.SpeedupMin <= b.SpeedupMax && b.SpeedupMin <= a.SpeedupMax;

    private static string Range(ModeReport m) => F($"{m.Speedup:F2}× [{m.SpeedupMin:F2}–{m.SpeedupMax:F2}]");

    private static string Load(LoadAverage? load) => load is { } l ? F($"{l.OneMinute:F2}") : "unknown";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
