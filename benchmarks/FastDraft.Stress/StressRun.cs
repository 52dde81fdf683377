using System.Globalization;
using System.Text;
using FastDraft.Text;

namespace FastDraft.Stress;

/// <summary>How big a stress run is.</summary>
public sealed record StressSettings(int ConcurrentRequests, int Parallelism, int SequentialRequests, int LoadDisposeCycles, int DisposeRounds, int Cancellations, int MaxNewTokens)
{
    /// <summary>The full run: hundreds of concurrent generations of each kind, 2,000 sequential, 200 load/dispose cycles, 1,000 cancellations.</summary>
    public static StressSettings Full { get; } = new(ConcurrentRequests: 1600, Parallelism: 8, SequentialRequests: 2000, LoadDisposeCycles: 200, DisposeRounds: 50, Cancellations: 1000, MaxNewTokens: 24);

    /// <summary>A run of a few seconds, for the test suite.</summary>
    public static StressSettings Quick { get; } = new(ConcurrentRequests: 32, Parallelism: 8, SequentialRequests: 24, LoadDisposeCycles: 4, DisposeRounds: 3, Cancellations: 40, MaxNewTokens: 12);
}

/// <summary>Runs every scenario on one pair and renders the report.</summary>
public static class StressRun
{
    private static readonly string[] CodePrompts =
    [
        "def fibonacci(n):\n    ",
        "import os\nimport sys\n\n\ndef main():\n    ",
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        ",
        "for i in range(10):\n    if i % 2 == 0:\n        ",
        "    return self.",
        "# Read a file and count its lines\nwith open(path) as f:\n    ",
    ];

    /// <summary>Prompts for a target folder: code snippets through its tokenizer when it has one, else fixed ids.</summary>
    public static List<int[]> Prompts(string targetFolder, int vocabulary)
    {
        if (File.Exists(Path.Combine(targetFolder, "tokenizer.json")))
        {
            ModelTokenizer tokenizer = ModelTokenizer.Load(targetFolder);
            return [.. CodePrompts.Select(p => tokenizer.Encode(p).ToArray()).Where(ids => ids.Length > 0)];
        }

        return [.. Enumerable.Range(0, CodePrompts.Length).Select(p => Enumerable.Range(0, 6 + p).Select(i => ((p * 31) + (i * 7) + 1) % vocabulary).ToArray())];
    }

    public static async Task<List<ScenarioReport>> RunAsync(string targetFolder, string draftFolder, StressSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var reports = new List<ScenarioReport>();
        using var pair = new StressPair(targetFolder, draftFolder);
        List<int[]> prompts = Prompts(targetFolder, pair.Target.Info.VocabularySize);
        List<StressRequest> concurrent = StressPair.Requests(settings.ConcurrentRequests, prompts, settings.MaxNewTokens);
        List<StressRequest> sequential = StressPair.Requests(settings.SequentialRequests, prompts, settings.MaxNewTokens);
        log.WriteLine($"references for {concurrent.Count + sequential.Count} requests ...");
        Dictionary<StressRequest, int[]> references = await StressScenarios.ReferencesAsync(pair, concurrent.Concat(sequential), cancellationToken).ConfigureAwait(false);
        log.WriteLine($"{references.Count} distinct requests");

        async Task Add(Task<ScenarioReport> scenario)
        {
            ScenarioReport report = await scenario.ConfigureAwait(false);
            log.WriteLine($"{report.Name}: {report.Runs} runs, {report.Mismatches} mismatches, {report.Failures.Count} failures, {report.Elapsed.TotalSeconds:F1} s");
            reports.Add(report);
        }

        await Add(StressScenarios.ConcurrentAsync(pair, concurrent, references, settings.Parallelism, cancellationToken)).ConfigureAwait(false);
        await Add(StressScenarios.SequentialAsync(pair, sequential, references, cancellationToken)).ConfigureAwait(false);
        StressRequest cycleRequest = concurrent[0];
        await Add(StressScenarios.LoadDisposeCyclesAsync(targetFolder, draftFolder, cycleRequest, references[cycleRequest], settings.LoadDisposeCycles, cancellationToken)).ConfigureAwait(false);
        await Add(StressScenarios.DisposeUnderLoadAsync(targetFolder, draftFolder, concurrent, references, settings.DisposeRounds, settings.Parallelism, seed: 11, cancellationToken)).ConfigureAwait(false);
        await Add(StressScenarios.CancellationsAsync(pair, concurrent, references, settings.Cancellations, seed: 17, cancellationToken)).ConfigureAwait(false);
        return reports;
    }

    public static string Markdown(IReadOnlyList<ScenarioReport> reports, string targetFolder, string draftFolder, StressSettings settings)
    {
        var md = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        md.AppendLine("# Stress run").AppendLine();
        md.AppendLine(c, $"Target `{targetFolder}`, draft `{draftFolder}`; {Environment.ProcessorCount} logical cores; up to {settings.MaxNewTokens} new tokens per generation.").AppendLine();
        md.AppendLine("| scenario | runs | outputs checked¹ | mismatches | other failures | time | how runs ended |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (ScenarioReport r in reports)
        {
            string ended = string.Join(", ", r.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}: {o.Value}"));
            md.AppendLine(c, $"| {r.Name} | {r.Runs} | {r.Compared} | {r.Mismatches} | {r.Failures.Count - r.Mismatches} | {r.Elapsed.TotalSeconds:F1} s | {ended} |");
        }

        md.AppendLine().AppendLine("¹ Each output is compared token by token with its reference: in full when the run completed, as a prefix when it was cancelled or its model disposed; the checks after the stress are included.");
        foreach (ScenarioReport r in reports.Where(r => r.Memory.Count > 0))
        {
            md.AppendLine().AppendLine(c, $"**{r.Name}: memory** (resident set; managed heap after a full collection)").AppendLine();
            md.AppendLine("| point | completed | RSS (MB) | managed heap (MB) |").AppendLine("|---|---:|---:|---:|");
            foreach (MemoryPoint m in r.Memory)
            {
                md.AppendLine(c, $"| {m.Label} | {m.Completed} | {m.ResidentBytes / 1e6:F1} | {m.ManagedBytes / 1e6:F2} |");
            }
        }

        foreach (string failure in reports.SelectMany(r => r.Failures).Take(50))
        {
            md.AppendLine(c, $"- {failure}");
        }

        return md.ToString();
    }
}
