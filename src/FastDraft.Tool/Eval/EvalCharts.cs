using FastDraft.Evaluation;
using ScottPlot;

namespace FastDraft.Tool;

/// <summary>The evaluation's charts (ScottPlot): speed-up by mode across prompts, the K sweep against the prediction, α by draft position and by context position.</summary>
internal static class EvalCharts
{
    public const string SpeedupChart = "speedup-by-mode.png";
    public const string SweepChart = "k-sweep.png";
    public const string AlphaChart = "alpha-by-position.png";
    public const string ContextChart = "alpha-by-context-position.png";

    /// <summary>Writes the three charts into <paramref name="folder"/>, titled with <paramref name="title"/> (the pair's name).</summary>
    public static void Write(EvaluationReport report, string title, string folder)
    {
        ModeReport[] speculative = [.. report.Modes.Where(m => m.Proposer is not null)];
        Speedups(title, speculative, report.Recommendation.Mode).SavePng(Path.Combine(folder, SpeedupChart), Math.Max(900, 70 * speculative.Length), 520);
        Sweep(report, title).SavePng(Path.Combine(folder, SweepChart), 900, 520);
        Alphas(report, title).SavePng(Path.Combine(folder, AlphaChart), 900, 520);
        ContextAlphas(report, title).SavePng(Path.Combine(folder, ContextChart), 900, 520);
    }

    /// <summary>
    /// The speed-up the recommendation ranks by (each repetition's rate ÷ target-only's, then the median), with the least
    /// and greatest repetition as the error bar: bars that overlap are modes this run cannot separate. The recommended
    /// mode's bar is drawn in another colour.
    /// </summary>
    internal static Plot Speedups(string target, ModeReport[] modes, string recommended)
    {
        var plot = new Plot();
        double[] positions = [.. Enumerable.Range(0, modes.Length).Select(i => (double)i)];
        var bars = plot.Add.Bars(positions, modes.Select(m => m.Speedup));
        for (int i = 0; i < modes.Length; i++)
        {
            bars.Bars[i].FillColor = modes[i].Name == recommended ? Colors.DarkOrange : Colors.SteelBlue;
        }

        var spread = plot.Add.ErrorBar(positions, [.. modes.Select(m => m.Speedup)], [.. modes.Select(_ => 0.0)]);
        spread.YErrorNegative = [.. modes.Select(m => m.Speedup - m.SpeedupMin)];
        spread.YErrorPositive = [.. modes.Select(m => m.SpeedupMax - m.Speedup)];
        spread.Color = Colors.Black;
        plot.Add.HorizontalLine(1, 1, Colors.Gray, LinePattern.Dotted);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. modes.Select((m, i) => new Tick(i, m.Name.Replace(' ', '\n')))]);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 10;
        plot.Axes.Left.Label.Text = "speed-up (median of repetitions; bar: least–greatest)";
        plot.Axes.Margins(bottom: 0);
        plot.Title($"{target}: speed-up over target-only by mode (recommended in orange)");
        return plot;
    }

    private static Plot Sweep(EvaluationReport report, string title)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int index = 0;
        foreach (IGrouping<string, SweepPoint> proposer in report.Sweep.GroupBy(p => p.Proposer))
        {
            Color color = palette.GetColor(index++);
            SweepPoint[] points = [.. proposer.OrderBy(p => p.DraftTokens)];
            double[] ks = [.. points.Select(p => (double)p.DraftTokens)];
            var measured = plot.Add.Scatter(ks, [.. points.Select(p => p.Measured)]);
            measured.LegendText = $"{proposer.Key}: measured";
            measured.Color = color;
            var predicted = plot.Add.Scatter(ks, [.. points.Select(p => p.Predicted)]);
            predicted.LegendText = $"{proposer.Key}: predicted E(α,K)/(K·c + v(K))";
            predicted.Color = color;
            predicted.LinePattern = LinePattern.Dashed;
        }

        plot.Add.HorizontalLine(1, 1, Colors.Gray, LinePattern.Dotted);
        plot.Axes.Bottom.Label.Text = "K (drafted tokens per round)";
        plot.Axes.Left.Label.Text = "speed-up over target-only";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.Title($"{title}: speed-up against K, measured and predicted");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static Plot Alphas(EvaluationReport report, string title) =>
        AlphaPlot(report, m => m.AlphaByPosition, (m, i) => i + 1, "draft position in the round", $"{title}: α by draft position", integerTicks: true);

    // Each context bucket is plotted at its middle position.
    private static Plot ContextAlphas(EvaluationReport report, string title) =>
        AlphaPlot(report, m => m.AlphaByContextPosition, (m, b) => (b + 0.5) * m.ContextBucketWidth, "position in the target's context", $"{title}: α by context position", integerTicks: false);

    /// <summary>α of the headline fixed-K and adaptive modes against a position; NaN entries (nothing judged) left out.</summary>
    private static Plot AlphaPlot(EvaluationReport report, Func<ModeReport, IReadOnlyList<double>> alphasOf, Func<ModeReport, int, double> positionOf, string axis, string heading, bool integerTicks)
    {
        var plot = new Plot();
        foreach (ModeReport mode in report.Modes.Where(m => m.Proposer is not null && (m.Adaptive || m.DraftTokens == report.Options.DraftTokens)))
        {
            IReadOnlyList<double> alphas = alphasOf(mode);
            int[] judged = [.. Enumerable.Range(0, alphas.Count).Where(i => !double.IsNaN(alphas[i]))];
            if (judged.Length > 0)
            {
                plot.Add.Scatter(judged.Select(i => positionOf(mode, i)).ToArray(), judged.Select(i => alphas[i]).ToArray()).LegendText = mode.Name;
            }
        }

        plot.Axes.Bottom.Label.Text = axis;
        plot.Axes.Left.Label.Text = "α (accepted ÷ judged)";
        plot.Axes.SetLimitsY(0, 1.05);
        if (integerTicks)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        }

        plot.Title(heading);
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;
    }
}
