using System.Text.Json;
using FastDraft.OnnxRuntime;

namespace FastDraft.Demo;

/// <summary>The demo's entry point, callable in-process (tests drive the scriptable mode through it).</summary>
public static class DemoApp
{
    /// <summary>Exit code for bad arguments or unusable models.</summary>
    public const int UsageError = 2;

    /// <summary>Runs the demo with command-line arguments.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            return args switch
            {
                [] => await Showcase.RunAsync(output, cancellationToken).ConfigureAwait(false),
                ["generate", .. var rest] => await GenerateAsync(GenerateArguments.Parse(rest), output, cancellationToken).ConfigureAwait(false),
                ["--help" or "-h" or "help"] => Help(output),
                _ => throw new ArgumentException($"unknown command '{args[0]}' (try --help)"),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidModelException or ModelNotSupportedException)
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

            Exit code 2: bad arguments or an unusable model (a one-line error on stderr).
            """);
        return 0;
    }

    private static async Task<int> GenerateAsync(GenerateArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        using OnnxCausalLM target = OnnxCausalLM.Load(arguments.Target);
        using OnnxCausalLM? draftModel = arguments.Draft is { } draftPath ? OnnxCausalLM.Load(draftPath) : null;
        IDraftModel? draft = draftModel is not null ? draftModel : arguments.NgramSize is int n ? new NGramDraftModel(n) : null;
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = arguments.DraftTokens });
        GenerationOptions options = arguments.Sampling with { MaxNewTokens = arguments.MaxNewTokens, IgnoreEndOfSequence = arguments.IgnoreEndOfSequence };
        GenerationResult result = await generator.GenerateToListAsync(arguments.PromptIds, options, cancellationToken).ConfigureAwait(false);
        GenerationStats stats = result.Stats;

        if (arguments.Json)
        {
            var json = new Dictionary<string, object>
            {
                ["ids"] = result.Ids,
                ["stats"] = new Dictionary<string, object>
                {
                    ["target_calls"] = stats.TargetCalls,
                    ["draft_calls"] = stats.DraftCalls,
                    ["drafted"] = stats.DraftedTokens,
                    ["accepted"] = stats.AcceptedTokens,
                    ["acceptance_rate"] = stats.AcceptanceRate,
                    ["mean_accepted_length"] = stats.MeanAcceptedLength,
                    ["tokens_per_second"] = stats.TokensPerSecond,
                    ["stop_reason"] = stats.StopReason.ToString(),
                },
            };
            await output.WriteLineAsync(JsonSerializer.Serialize(json)).ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync(string.Join(' ', result.Ids)).ConfigureAwait(false);
            await output.WriteLineAsync(stats.ToString()).ConfigureAwait(false);
        }

        return 0;
    }
}
