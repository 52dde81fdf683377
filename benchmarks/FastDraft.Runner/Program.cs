using System.Diagnostics;
using FastDraft.Runner;

// dotnet run -c Release --project benchmarks/FastDraft.Runner [-- --quick | --tokens N --repetitions R --k K --out DIR]
RunnerSettings settings = RunnerSettings.Parse(args);
var clock = Stopwatch.StartNew();
(List<ModeResult> results, List<Calibration> calibrations) = BenchmarkRun.Run(settings, Console.Out);
Report.Write(settings, results, calibrations, clock.Elapsed, Console.Out);
Console.WriteLine(File.ReadAllText(Path.Combine(settings.Output, "benchmark.md")));
return 0;
