using FastDraft.Evaluation;
using FastDraft.Tool;
using ScottPlot;
using ScottPlot.Plottables;
using static FastDraft.Tests.Evaluation.RecommenderTests;

namespace FastDraft.Tests.Evaluation;

/// <summary>
/// When the report's ordering of modes is not to be trusted, it says so; the speed-up chart shows the statistic the
/// recommendation ranks by; the machine's load is read and judged (reports written by hand: no timing here).
/// </summary>
public sealed class ReliabilityCheckTests
{
    private static readonly ModeReport Baseline = new() { Name = "target-only", Speedup = 1, SpeedupMin = 1, SpeedupMax = 1 };
    private static readonly MachineLoad Quiet = new(2, new LoadAverage(0.5, 0.5, 0.5), new LoadAverage(0.7, 0.6, 0.5));

    private static Recommendation Recommend(string mode) => new(mode, "test");

    [Fact]
    public void Warnings_RecommendedAndRivalRangesOverlap_SaysTheRunCannotSeparateThem()
    {
        ModeReport fixedK = Mode("draft", 6, false, 3.11, spread: 0.6);
        ModeReport adaptive = Mode("draft", 8, true, 2.90, spread: 0.3);

        List<string> warnings = ReliabilityCheck.Warnings([Baseline, fixedK, adaptive], Recommend("draft K=6"), Quiet, repetitions: 3);

        string warning = Assert.Single(warnings);
        Assert.Equal("draft K=6 (3.11× [2.51–3.71]) and draft adaptive (2.90× [2.60–3.20]): the repetitions disagree by more than these modes differ (their ranges overlap), so this run does not tell which is faster; more repetitions on a quieter machine would separate them.", warning);
    }

    [Fact]
    public void Warnings_SeparatedModesOnAQuietMachine_None()
    {
        ModeReport fixedK = Mode("draft", 6, false, 3.11, spread: 0.1) with { DecodeTokensPerSecond = 3100 };
        ModeReport adaptive = Mode("draft", 8, true, 2.50, spread: 0.1) with { DecodeTokensPerSecond = 2500 };

        Assert.Empty(ReliabilityCheck.Warnings([Baseline, fixedK, adaptive], Recommend("draft K=6"), Quiet, repetitions: 3));
    }

    [Fact]
    public void Warnings_DecodeRatesRankOtherwiseThanSpeedups_NamesBothAndTheStatisticUsed()
    {
        ModeReport fixedK = Mode("draft", 6, false, 3.11, spread: 0.1) with { DecodeTokensPerSecond = 2900 };
        ModeReport adaptive = Mode("draft", 8, true, 2.50, spread: 0.1) with { DecodeTokensPerSecond = 3100 };

        string warning = Assert.Single(ReliabilityCheck.Warnings([Baseline, fixedK, adaptive], Recommend("draft K=6"), Quiet, repetitions: 3));

        Assert.StartsWith("draft adaptive has the highest decode rate (3100.0 tok/s", warning, StringComparison.Ordinal);
        Assert.Contains("but draft K=6 the highest speed-up (3.11×", warning, StringComparison.Ordinal);
        Assert.Contains("The recommendation and the speed-up chart use the paired speed-up.", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_BusyMachineAndOneRepetition_SayBoth()
    {
        var busy = new MachineLoad(2, new LoadAverage(5.12, 4, 3), new LoadAverage(1.5, 4, 3));
        ModeReport fixedK = Mode("draft", 4, false, 2.0, spread: 0);

        List<string> warnings = ReliabilityCheck.Warnings([Baseline, fixedK, Mode("draft", 8, true, 1.5, spread: 0)], Recommend("draft K=4"), busy, repetitions: 1);

        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("One repetition: the run cannot tell its own noise", warnings[0], StringComparison.Ordinal);
        Assert.StartsWith("The machine was busy: 1-minute load average 5.12 at the start and 1.50 at the end, on 2 logical CPUs.", warnings[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.99, 0.2, false)]
    [InlineData(2.0, 0.2, true)]
    [InlineData(0.1, 3.5, true)]
    public void Busy_OneMinuteLoadAtLeastTheCpuCount_AtStartOrEnd(double start, double end, bool busy) =>
        Assert.Equal(busy, new MachineLoad(2, new LoadAverage(start, 0, 0), new LoadAverage(end, 0, 0)).Busy);

    [Fact]
    public void Busy_NoLoadReported_IsFalse() => Assert.False(new MachineLoad(1, null, null).Busy);

    [Theory]
    [InlineData("0.91 0.84 0.38 1/93 3816\n", 0.91, 0.84, 0.38)]
    [InlineData("12.50 8.32 4.21 6/161 8707", 12.5, 8.32, 4.21)]
    public void Parse_ProcLoadavg_ReadsTheThreeAverages(string text, double one, double five, double fifteen) =>
        Assert.Equal(new LoadAverage(one, five, fifteen), LoadAverage.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("0.91 0.84")]
    [InlineData("a b c d e")]
    [InlineData("-1 0 0 1/2 3")]
    public void Parse_NotLoadavgText_IsNull(string text) => Assert.Null(LoadAverage.Parse(text));

    [Fact]
    public void Read_OnLinux_GivesTheLoad()
    {
        Assert.SkipUnless(File.Exists("/proc/loadavg"), "No /proc/loadavg on this system.");

        Assert.NotNull(LoadAverage.Read());
    }

    [Fact]
    public void SpeedupChart_ShowsThePairedSpeedupAndItsRepetitionRange_RecommendedInItsOwnColour()
    {
        // Across prompts adaptive looks faster; by the paired speed-up, K=6 is: the chart must show what was ranked.
        ModeReport fixedK = Mode("draft", 6, false, 3.11, spread: 0.2) with { SpeedupAcrossPrompts = new Spread(2.0, 2.5, 3.0) };
        ModeReport adaptive = Mode("draft", 8, true, 2.60, spread: 0.4) with { SpeedupAcrossPrompts = new Spread(2.5, 3.4, 3.6) };

        Plot plot = EvalCharts.Speedups("pair", [fixedK, adaptive], recommended: "draft K=6");

        BarPlot bars = Assert.Single(plot.GetPlottables().OfType<BarPlot>());
        Assert.Equal([3.11, 2.60], bars.Bars.Select(b => b.Value));
        Assert.NotEqual(bars.Bars[0].FillColor, bars.Bars[1].FillColor);
        ErrorBar range = Assert.Single(plot.GetPlottables().OfType<ErrorBar>());
        Assert.Equal([0.2, 0.4], range.YErrorNegative!.Select(v => Math.Round(v, 9)));
        Assert.Equal([0.2, 0.4], range.YErrorPositive!.Select(v => Math.Round(v, 9)));
    }
}
