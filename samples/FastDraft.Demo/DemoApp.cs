using System.Text;
using System.Text.Json;
using FastDraft.OnnxRuntime;
using FastDraft.Text;
using FastDraft.Text.Chat;
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
        try
        {
            return args switch
            {
                [] => await Showcase.RunAsync(output, cancellationToken).ConfigureAwait(false),
                ["generate", .. var rest] => await GenerateAsync(GenerateArguments.Parse(rest), input, output, cancellationToken).ConfigureAwait(false),
                ["tokenize", .. var rest] => Tokenize(rest, output),
                ["--help" or "-h" or "help"] => Help(output),
                _ => throw new ArgumentException($"unknown command '{args[0]}' (try --help)"),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or UnauthorizedAccessException or JsonException
            or InvalidModelException or ModelNotSupportedException or NotSupportedException or GenerationException)
        {
            // One line: the first line of the message says what is wrong and names the culprit.
            await error.WriteLineAsync($"error: {ex.Message.Split('\n')[0].Trim()}").ConfigureAwait(false);
            return UsageError;
        }
    }

    private static int Help(TextWriter output)
    {
        output.WriteLine("""
            FastDraft demo: exact speculative decoding with ONNX models.

              (no arguments)   write a small synthetic target + draft pair (once, into a cache folder),
                               stream a generation showing where each token came from, compare with target-only.

              generate --target DIR [--draft DIR | --ngram N] --prompt-ids 1,2,3 [--max-new-tokens N]
                       [--draft-tokens K] [--ignore-eos] [--json]
                       [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--repetition-penalty R] [--seed S]
                               decode with the target alone, or speculatively with a draft model or n-gram lookup;
                               greedy unless --temperature is above 0 (speculative sampling, exact).
                               --json prints {"ids":[...],"stats":{...}}.

              generate --target DIR [--draft DIR | --ngram N] --prompt "text" [--stop "text"]... [options above]
                               the same from text (the target folder's tokenizer); streams text, or with --json adds
                               "prompt_ids" and "text". --stop ends the text before the given string (repeatable).

              generate --target DIR [--draft DIR | --ngram N] --chat [options above]
                               an interactive chat (the tokenizer's chat template, else plain "User:/Assistant:"); /exit ends it.

              tokenize --model DIR --text "text" [--json]
                               the ids of the text, special tokens added as the tokenizer's configuration says.

            Exit code 2: bad arguments or an unusable model (a one-line error on stderr).
            """);
        return 0;
    }

    private static async Task<int> GenerateAsync(GenerateArguments arguments, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        using OnnxCausalLM target = OnnxCausalLM.Load(arguments.Target);
        using OnnxCausalLM? draftModel = arguments.Draft is { } draftPath ? OnnxCausalLM.Load(draftPath) : null;
        IDraftModel? draft = draftModel is not null ? draftModel : arguments.NgramSize is int n ? new NGramDraftModel(n) : null;
        ModelTokenizer? tokenizer = arguments.PromptIds is null || arguments.Stops.Count > 0 ? ModelTokenizer.Load(arguments.Target) : null;
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = arguments.DraftTokens }, tokenizer);
        GenerationOptions options = arguments.Sampling with
        {
            MaxNewTokens = arguments.MaxNewTokens,
            IgnoreEndOfSequence = arguments.IgnoreEndOfSequence,
            StopSequences = arguments.Stops,
        };

        if (arguments.Chat)
        {
            return await ChatAsync(generator, tokenizer!, options, input, output, cancellationToken).ConfigureAwait(false);
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
            var json = new Dictionary<string, object>();
            if (arguments.Prompt is not null)
            {
                json["prompt_ids"] = prompt;
                json["text"] = text.ToString();
            }

            json["ids"] = ids;
            json["stats"] = new Dictionary<string, object>
            {
                ["target_calls"] = stats.TargetCalls,
                ["draft_calls"] = stats.DraftCalls,
                ["drafted"] = stats.DraftedTokens,
                ["accepted"] = stats.AcceptedTokens,
                ["acceptance_rate"] = stats.AcceptanceRate,
                ["mean_accepted_length"] = stats.MeanAcceptedLength,
                ["tokens_per_second"] = stats.TokensPerSecond,
                ["stop_reason"] = stats.StopReason.ToString(),
            };
            await output.WriteLineAsync(JsonSerializer.Serialize(json)).ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync(arguments.Prompt is not null ? string.Empty : string.Join(' ', ids)).ConfigureAwait(false);
            await output.WriteLineAsync(stats.ToString()).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<int> ChatAsync(SpeculativeGenerator generator, ModelTokenizer tokenizer, GenerationOptions options, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        ChatTemplate template = ChatTemplate.TryRecognize(tokenizer.ChatTemplate, out _) ? ChatTemplate.FromTokenizer(tokenizer) : ChatTemplate.Create(ChatFormat.Plain);
        using IChatClient client = generator.AsChatClient(template);
        var chatOptions = new ChatOptions
        {
            MaxOutputTokens = options.MaxNewTokens,
            Temperature = options.Temperature,
            TopK = options.TopK == 0 ? null : options.TopK,
            TopP = options.TopP,
            Seed = options.Seed,
            StopSequences = [.. options.StopSequences ?? []],
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

    private static int Tokenize(ReadOnlySpan<string> args, TextWriter output)
    {
        string? model = null;
        string? text = null;
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--model":
                    model = GenerateArguments.Value(args, ref i);
                    break;
                case "--text":
                    text = GenerateArguments.RawValue(args, ref i);
                    break;
                case "--json":
                    json = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}' for tokenize (try --help)");
            }
        }

        ModelTokenizer tokenizer = ModelTokenizer.Load(model ?? throw new ArgumentException("tokenize needs --model DIR"));
        IReadOnlyList<int> ids = tokenizer.Encode(text ?? throw new ArgumentException("tokenize needs --text TEXT"));
        output.WriteLine(json ? JsonSerializer.Serialize(new Dictionary<string, object> { ["ids"] = ids }) : string.Join(' ', ids));
        return 0;
    }
}
