using System.CommandLine;
using System.Text;
using System.Text.Json;
using FastDraft.OnnxRuntime;
using FastDraft.Text;
using FastDraft.Tool;
using Microsoft.Extensions.AI;

namespace FastDraft.Demo;

/// <summary>The demo's entry point, callable in-process (tests drive the scriptable mode through it).</summary>
public static class DemoApp
{
    /// <summary>Exit code for bad arguments or unusable models.</summary>
    public const int UsageError = 2;

    /// <summary>Runs the demo with command-line arguments (no console input: <c>--chat</c> ends at once).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, TextReader.Null, output, error, cancellationToken);

    /// <summary>Runs the demo with command-line arguments, reading chat turns from <paramref name="input"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        RootCommand root = BuildCommands(input, output);

        // No response files: a prompt or a stop string may start with '@'.
        ParseResult parsed = root.Parse(args is ["help"] ? ["--help"] : args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {parsed.Errors[0].Message} (try --help)").ConfigureAwait(false);
            return UsageError;
        }

        try
        {
            var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return await parsed.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or UnauthorizedAccessException or JsonException
            or InvalidModelException or ModelNotSupportedException or NotSupportedException or GenerationException or ChatTemplateException)
        {
            // One line: the first line of the message says what is wrong and names the culprit.
            await error.WriteLineAsync($"error: {ex.Message.Split('\n')[0].Trim()}").ConfigureAwait(false);
            return UsageError;
        }
    }

    private static RootCommand BuildCommands(TextReader input, TextWriter output)
    {
        var root = new RootCommand(
            "FastDraft demo: exact speculative decoding with ONNX models. Without a command, it completes three code prompts with the " +
            "committed trained pair (samples/FastDraft.Demo/models), showing where each token came from, and compares the speed with " +
            "target-only decoding, checking that the tokens are identical. Exit code 2: bad arguments or an unusable model (a one-line error on stderr).");
        root.SetAction((_, cancellationToken) => Showcase.RunAsync(output, cancellationToken));

        var generateOptions = new GenerateCommandOptions();
        var generate = new Command(
            "generate",
            "Decodes with the target alone, or speculatively with a draft model (--draft) or n-gram lookup (--ngram); greedy unless " +
            "--temperature is above 0. The prompt is one of --prompt-ids (prints ids), --prompt (streams text) or --chat (an interactive chat).");
        generateOptions.AddTo(generate);
        generate.SetAction((parsed, cancellationToken) => GenerateAsync(generateOptions.Read(parsed), input, output, cancellationToken));
        root.Subcommands.Add(generate);

        var model = new Option<string>("--model") { Description = "The model folder holding tokenizer.json (and tokenizer_config.json).", HelpName = "DIR", Required = true };
        var text = new Option<string>("--text") { Description = "The text to encode.", HelpName = "TEXT", Required = true };
        var json = new Option<bool>("--json") { Description = "Prints {\"ids\":[...]} instead of the ids separated by spaces." };
        var tokenize = new Command("tokenize", "Prints the ids of a text, special tokens added as the tokenizer's configuration says.") { model, text, json };
        tokenize.SetAction(parsed => Tokenize(parsed.GetRequiredValue(model), parsed.GetRequiredValue(text), parsed.GetValue(json), output));
        root.Subcommands.Add(tokenize);
        root.Subcommands.Add(RenderChatCommand.Create(output));
        return root;
    }

    private static async Task<int> GenerateAsync(GenerateArguments arguments, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        if (arguments.Draft is { } draftFolder && !arguments.AllowTokenizerMismatch)
        {
            GenerationPair.CheckTokenizers(arguments.Target, draftFolder); // before any model is loaded
        }

        using OnnxCausalLM target = OnnxCausalLM.Load(arguments.Target);
        using OnnxCausalLM? draftModel = arguments.Draft is { } draftPath ? OnnxCausalLM.Load(draftPath) : null;
        IDraftModel? draft = draftModel is not null ? draftModel : arguments.NgramSize is int n ? new NGramDraftModel(n) : null;
        GenerationOptions options = arguments.Options;
        ModelTokenizer? tokenizer = arguments.PromptIds is null || options.StopSequences is { Count: > 0 } || arguments.Constraint is not null
            ? ModelTokenizer.Load(arguments.Target)
            : null;
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = arguments.DraftTokens }, tokenizer);

        if (arguments.Chat)
        {
            // The chat client builds the constraint from the response format, as it does for any IChatClient caller; it is
            // built here once too (a second pass over the vocabulary at start-up), so that a schema outside the subset is
            // refused before the first turn rather than after the user has typed it.
            _ = arguments.Constraint?.Invoke(tokenizer!);
            ChatResponseFormat? format = arguments.JsonSchemaFile is { } schemaFile
                ? ChatResponseFormat.ForJsonSchema(ReadSchema(schemaFile))
                : arguments.JsonObject ? ChatResponseFormat.Json : null;
            return await ChatAsync(generator, tokenizer!, options, format, input, output, cancellationToken).ConfigureAwait(false);
        }

        if (arguments.Constraint is { } constraint)
        {
            options = options with { Constraint = constraint(tokenizer!) };
        }

        int[] prompt = arguments.PromptIds ?? [.. tokenizer!.Encode(arguments.Prompt!)];
        var stats = new GenerationStats();
        var ids = new List<int>();
        var text = new StringBuilder();
        await foreach (GeneratedToken token in generator.GenerateAsync(prompt, options, stats, cancellationToken).ConfigureAwait(false))
        {
            ids.Add(token.Id);
            text.Append(token.Text);
            if (!arguments.Json && arguments.Prompt is not null)
            {
                await output.WriteAsync(token.Text).ConfigureAwait(false); // streamed as it is generated
            }
        }

        if (arguments.Json)
        {
            // The tool's document without its schema_version, serialized with the defaults this document has always had.
            Dictionary<string, object> json = GenerationJson.Fields(arguments.Prompt is null ? null : prompt, arguments.Prompt is null ? null : text.ToString(), ids, stats, options.Constraint is not null);
            await output.WriteLineAsync(JsonSerializer.Serialize(json)).ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync(arguments.Prompt is not null ? string.Empty : string.Join(' ', ids)).ConfigureAwait(false);
            await output.WriteLineAsync(stats.ToString()).ConfigureAwait(false);
        }

        return 0;
    }

    private static JsonElement ReadSchema(string path)
    {
        // Read and checked once already, by the constraint built from it before the first turn.
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    private static async Task<int> ChatAsync(
        SpeculativeGenerator generator, ModelTokenizer tokenizer, GenerationOptions options, ChatResponseFormat? format, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        ChatTemplate template = tokenizer.ChatTemplateSource is not null ? ChatTemplate.FromTokenizer(tokenizer) : ChatTemplate.Create(ChatFormat.Plain);
        // A long chat outgrows the context: the client leaves the oldest turns out of the prompt (the history here keeps them).
        using IChatClient client = generator.AsChatClient(template, new SpeculativeChatClientOptions { ContextOverflow = ChatContextOverflow.DropOldestMessages });
        var chatOptions = new ChatOptions
        {
            MaxOutputTokens = options.MaxNewTokens,
            Temperature = options.Temperature,
            TopK = options.TopK == 0 ? null : options.TopK,
            TopP = options.TopP,
            Seed = options.Seed,
            StopSequences = [.. options.StopSequences ?? []],
            ResponseFormat = format,
        };
        var history = new List<ChatMessage>();
        await output.WriteLineAsync($"Chat ({template.Format} format). Type a message; an empty line or /exit ends.").ConfigureAwait(false);
        while (true)
        {
            await output.WriteAsync("> ").ConfigureAwait(false);
            string? line = await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(line) || line.Trim() == "/exit")
            {
                return 0;
            }

            history.Add(new ChatMessage(ChatRole.User, line));
            var reply = new StringBuilder();
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(history, chatOptions, cancellationToken).ConfigureAwait(false))
            {
                reply.Append(update.Text);
                await output.WriteAsync(update.Text).ConfigureAwait(false);
            }

            await output.WriteLineAsync().ConfigureAwait(false);
            history.Add(new ChatMessage(ChatRole.Assistant, reply.ToString()));
        }
    }

    private static int Tokenize(string model, string text, bool json, TextWriter output)
    {
        ModelTokenizer tokenizer = ModelTokenizer.Load(model);
        IReadOnlyList<int> ids = tokenizer.Encode(text);
        output.WriteLine(json ? JsonSerializer.Serialize(new Dictionary<string, object> { ["ids"] = ids }) : string.Join(' ', ids));
        return 0;
    }
}
