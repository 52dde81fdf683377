using FastDraft.Stress;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Stress;

/// <summary>
/// The stress scenarios at the suite's size (seconds) on a written target and a perturbed copy as its
/// draft; the full sizes run with <c>dotnet run --project benchmarks/FastDraft.Stress</c>.
/// </summary>
public sealed class StressTests(ITestOutputHelper output)
{
    [Fact]
    public async Task QuickStress_EveryOutputMatchesItsReference_AndEveryRunEndsAsDocumented()
    {
        string target = TestModels.GqaTarget;
        string draft = TestModels.Perturbed("gqa-perturbed", TestModels.GqaTarget, 0.1f);

        List<ScenarioReport> reports = await StressRun.RunAsync(target, draft, StressSettings.Quick, TextWriter.Null, TestContext.Current.CancellationToken);
        output.WriteLine(StressRun.Markdown(reports, target, draft, StressSettings.Quick));

        Assert.Equal(5, reports.Count);
        Assert.All(reports, r => Assert.True(r.Passed, $"{r.Name}: {string.Join("; ", r.Failures)}"));
        Assert.All(reports, r => Assert.True(r.Compared >= Math.Min(r.Runs, 4), $"{r.Name}: only {r.Compared} outputs checked"));
        Assert.Equal(4, reports[0].Outcomes.Count); // every kind ran concurrently
        Assert.Contains(reports[4].Outcomes, o => o.Key.StartsWith("cancelled", StringComparison.Ordinal));
        Assert.All(reports.Where(r => r.Memory.Count > 0), r => Assert.Equal(["start", "middle", "end"], r.Memory.Select(m => m.Label)));
    }

    [Fact]
    public async Task Scenario_ReportsAMismatch_WhenAReferenceIsWrong()
    {
        string target = TestModels.GqaTarget;
        using var pair = new StressPair(target, TestModels.Perturbed("gqa-perturbed", TestModels.GqaTarget, 0.1f));
        List<StressRequest> requests = StressPair.Requests(8, StressRun.Prompts(target, pair.Target.Info.VocabularySize), 6);
        Dictionary<StressRequest, int[]> references = await StressScenarios.ReferencesAsync(pair, requests, TestContext.Current.CancellationToken);
        int[] spoiled = references[requests[1]];
        spoiled[3] = (spoiled[3] + 1) % pair.Target.Info.VocabularySize;

        ScenarioReport report = await StressScenarios.ConcurrentAsync(pair, requests, references, 4, TestContext.Current.CancellationToken);

        Assert.False(report.Passed);
        Assert.True(report.Mismatches >= 1);
        Assert.Contains(report.Failures, f => f.Contains("at token 3", StringComparison.Ordinal));
    }
}
