using FastDraft.Demo;

return await DemoApp.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
