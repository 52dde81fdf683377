using BenchmarkDotNet.Running;
using FastDraft.Benchmarks;

// dotnet run -c Release --project benchmarks/FastDraft.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/FastDraft.Benchmarks -- training [--steps N] [--threads 1,2] [--out DIR]
if (args is ["training", .. var rest])
{
    return TrainingThroughput.Run(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
