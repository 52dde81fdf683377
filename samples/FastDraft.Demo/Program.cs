using FastDraft.Demo;

return await DemoApp.RunAsync(args, Console.In, Console.Out, Console.Error).ConfigureAwait(false);
