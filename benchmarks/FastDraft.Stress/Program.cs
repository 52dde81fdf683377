using System.CommandLine;
using FastDraft.Stress;

// Stress runs for one loaded pair: concurrent mixed generations, long sequential runs, load/dispose cycles,
// disposal under load and random cancellations, every output compared with its reference. Exit code 1 when
// any output differs or a run ended in an undocumented way.
var target = new Option<DirectoryInfo?>("--target") { Description = "Target model folder (default: the demo's trained target)." };
var draft = new Option<DirectoryInfo?>("--draft") { Description = "Draft model folder (default: the demo's trained draft)." };
var quick = new Option<bool>("--quick") { Description = "A run of seconds instead of minutes (the sizes the test suite uses)." };
var output = new Option<FileInfo?>("--out") { Description = "Also write the Markdown report to this file." };
var root = new RootCommand("Stress runs of FastDraft on one model pair; every output is compared token by token with a reference generated alone.") { target, draft, quick, output };
root.SetAction(async (parsed, cancellationToken) =>
{
    string targetFolder = parsed.GetValue(target)?.FullName ?? Path.Combine(FindDemoModels(), "target");
    string draftFolder = parsed.GetValue(draft)?.FullName ?? Path.Combine(FindDemoModels(), "draft");
    StressSettings settings = parsed.GetValue(quick) ? StressSettings.Quick : StressSettings.Full;
    List<ScenarioReport> reports = await StressRun.RunAsync(targetFolder, draftFolder, settings, Console.Error, cancellationToken);
    string markdown = StressRun.Markdown(reports, targetFolder, draftFolder, settings);
    Console.WriteLine(markdown);
    if (parsed.GetValue(output) is { } file)
    {
        await File.WriteAllTextAsync(file.FullName, markdown, cancellationToken);
    }

    return reports.All(r => r.Passed) ? 0 : 1;
});

return await root.Parse(args).InvokeAsync();

static string FindDemoModels()
{
    foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "samples", "FastDraft.Demo", "models");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
    }

    throw new DirectoryNotFoundException("The demo's models were not found above the program's folder: pass --target and --draft.");
}
