using ScottPlot;

namespace FastDraft.Runner;

/// <summary>The two charts: decode throughput per system and mode, and speed-up against K.</summary>
public static class Charts
{
    public static void Write(RunnerSettings settings, List<ModeResult> results)
    {
        // One panel per target: their rates differ by an order of magnitude.
        Plot[] panels = [.. results.GroupBy(r => r.Target).Select(target => Throughput(target, settings.DraftTokens))];
        var throughput = new Multiplot(panels[0]); // the parameterless constructor starts with an empty panel
        foreach (Plot panel in panels.Skip(1))
        {
            throughput.AddPlot(panel);
        }

        int groups = results.GroupBy(r => r.Target).Max(t => t.Select(r => (r.Mode, r.Draft)).Distinct().Count());
        throughput.SavePng(Path.Combine(settings.Output, "throughput.png"), Math.Max(1100, groups * 100), 500 * throughput.Count());
        SpeedupVersusK(settings, results).SavePng(Path.Combine(settings.Output, "speedup-vs-k.png"), 1350, 560);
    }

    private static Plot Throughput(IGrouping<string, ModeResult> target, int defaultK)
    {
        var plot = new Plot();
        var labels = new List<Tick>();
        var ours = new List<Bar>();
        var genai = new List<Bar>();
        var genaiDefault = new List<Bar>();
        double position = 0;
        foreach (IGrouping<(string Mode, string? Draft), ModeResult> group in target
            .GroupBy(r => (r.Mode, r.Draft)))
        {
            ModeResult? fastDraft = group.Where(r => r.System == "FastDraft").OrderByDescending(r => r.DraftTokens == defaultK).FirstOrDefault();
            ModeResult? peer = group.Where(r => r.System == GenAIMode.PeerSystem).OrderByDescending(r => r.DraftTokens == defaultK).FirstOrDefault();
            ModeResult? peerDefault = group.FirstOrDefault(r => r.System == GenAIMode.DefaultThreadsSystem);
            if (fastDraft is not null)
            {
                ours.Add(new Bar { Position = position, Value = fastDraft.DecodeTokensPerSecond, FillColor = Colors.SteelBlue });
            }

            if (peer is not null)
            {
                genai.Add(new Bar { Position = position + 0.3, Value = peer.DecodeTokensPerSecond, FillColor = Colors.Orange });
            }

            if (peerDefault is not null)
            {
                genaiDefault.Add(new Bar { Position = position + 0.6, Value = peerDefault.DecodeTokensPerSecond, FillColor = Colors.Moccasin });
            }

            labels.Add(new Tick(position + 0.3, $"{group.Key.Mode}{(group.Key.Draft is { } d && group.Key.Mode != "n-gram" ? "\n" + d : string.Empty)}"));
            position += 1.2;
        }

        foreach (Bar bar in ours.Concat(genai).Concat(genaiDefault))
        {
            bar.Size = 0.28;
        }

        plot.Add.Bars(ours).LegendText = "FastDraft";
        plot.Add.Bars(genai).LegendText = "ORT GenAI 0.18, same threads";
        plot.Add.Bars(genaiDefault).LegendText = "ORT GenAI 0.18, its default threads";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. labels]);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 9;
        plot.Axes.Left.Label.Text = "decode tokens/s (median)";
        plot.Title($"{target.Key}: decode throughput, same models, same process");
        plot.ShowLegend(Alignment.UpperLeft); // target-only comes first and is the lowest bar
        plot.Axes.Margins(bottom: 0, top: 0.3); // room for the legend above the bars
        return plot;
    }

    private static Plot SpeedupVersusK(RunnerSettings settings, List<ModeResult> results)
    {
        var plot = new Plot();
        foreach (IGrouping<string, ModeResult> target in results.GroupBy(r => r.Target))
        {
            string? sweepDraft = target.Where(r => r.Mode == "speculative").GroupBy(r => r.Draft).OrderByDescending(g => g.Count()).FirstOrDefault()?.Key;
            foreach (string system in new[] { "FastDraft", GenAIMode.PeerSystem, GenAIMode.DefaultThreadsSystem })
            {
                double baseline = target.First(r => r.System == system && r.Mode == "target-only").DecodeTokensPerSecond;
                ModeResult[] sweep = [.. target.Where(r => r.System == system && r.Mode == "speculative" && r.Draft == sweepDraft).OrderBy(r => r.DraftTokens)];
                if (sweep.Length > 0)
                {
                    var line = plot.Add.Scatter(sweep.Select(r => (double)r.DraftTokens).ToArray(), sweep.Select(r => r.DecodeTokensPerSecond / baseline).ToArray());
                    line.LegendText = $"{system}: {target.Key} + {sweepDraft}";
                    line.LinePattern = system == "FastDraft" ? LinePattern.Solid : system == GenAIMode.PeerSystem ? LinePattern.Dashed : LinePattern.Dotted;
                }
            }
        }

        plot.Add.HorizontalLine(1, 1, Colors.Gray, LinePattern.Dotted);
        plot.Axes.Bottom.Label.Text = "K (drafted tokens per round)";
        plot.Axes.Left.Label.Text = "speed-up over own target-only";
        plot.Title($"Speculative speed-up against K ({settings.Tokens} tokens, greedy)");
        plot.ShowLegend(Edge.Right); // outside the data: six lines cross everywhere
        return plot;
    }
}
