using FastDraft.Tool;

return await ToolApp.RunAsync(args, Console.In, Console.Out, Console.Error).ConfigureAwait(false);
