using BenchmarkDotNet.Running;
using FastDraft.Benchmarks;

// dotnet run -c Release --project benchmarks/FastDraft.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/FastDraft.Benchmarks -- training [--steps N] [--threads 1,2] [--out DIR]
if (args is ["training", .. var rest])
{
    return TrainingThroughput.Run(rest);
}

// dotnet run -c Release --project benchmarks/FastDraft.Benchmarks -- trimmed-head [--rounds N] [--training-steps N] [--out DIR]
if (args is ["trimmed-head", .. var trimmedArgs])
{
    return TrimmedHeadCost.Run(trimmedArgs);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
