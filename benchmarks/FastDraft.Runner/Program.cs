using FastDraft.Runner;

// dotnet run -c Release --project benchmarks/FastDraft.Runner [-- --quick | --tokens N --repetitions R --k K --out DIR | --target DIR --draft DIR --prompts FILE | --help]
return await RunnerCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
