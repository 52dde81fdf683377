using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/FastDraft.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
