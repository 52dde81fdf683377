using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastDraft.OnnxRuntime;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tool;

/// <summary>
/// <c>fastdraft eval --conversations FILE</c>: time to first token per turn of multi-turn conversations, through the chat
/// client with the model's template, with session reuse (<see cref="SessionPool"/>) and without it (every turn a full
/// prompt pass). Greedy, so both give the same replies, and so the same prompts; the two are interleaved per conversation.
/// </summary>
internal static class ConversationEval
{
    /// <summary>One conversation of the file: an optional system prompt and the user's turns.</summary>
    private sealed record Conversation(string? System, string[] Turns);

    /// <summary>One turn's measurements in one mode.</summary>
    private sealed record TurnSample(int Turn, bool Reuse, double TimeToFirstTokenMs, long PromptTokens, long ReusedTokens, string Reply);

    public static async Task<int> RunAsync(
        string targetFolder,
        string? draftFolder,
        int? ngram,
        string file,
        int maxNewTokens,
        int repetitions,
        int draftTokens,
        OnnxModelOptions modelOptions,
        bool asJson,
        TextWriter output,
        TextWriter human,
        CancellationToken cancellationToken)
    {
        List<Conversation> conversations = Read(file);
        using GenerationPair pair = GenerationPair.Load(targetFolder, draftFolder, ngram, draftTokens, modelOptions, withTokenizer: true);
        ModelTokenizer tokenizer = pair.Tokenizer!;
        ChatTemplate template = tokenizer.ChatTemplateSource is not null ? ChatTemplate.FromTokenizer(tokenizer) : ChatTemplate.Create(ChatFormat.Plain); // as AsChatClient chooses
        var clientOptions = new SpeculativeChatClientOptions { DefaultMaxOutputTokens = maxNewTokens };
        var chatOptions = new ChatOptions { MaxOutputTokens = maxNewTokens };
        using var fresh = new SpeculativeChatClient(pair.Generator, template, clientOptions with { SessionPool = null });

        // Warm-up (not measured): the first turn of the first conversation, both ways.
        await Converse(fresh, conversations[0] with { Turns = conversations[0].Turns[..1] }, chatOptions, reuse: false, cancellationToken).ConfigureAwait(false);
        using (var warm = new SpeculativeChatClient(pair.Generator, template, clientOptions))
        {
            await Converse(warm, conversations[0] with { Turns = conversations[0].Turns[..1] }, chatOptions, reuse: true, cancellationToken).ConfigureAwait(false);
        }

        var samples = new List<TurnSample>();
        bool identical = true;
        for (int repetition = 0; repetition < repetitions; repetition++)
        {
            for (int i = 0; i < conversations.Count; i++)
            {
                // Each conversation reuses only its own sessions: a new client, a new pool. The order alternates.
                List<TurnSample>? first = null;
                foreach (bool reuse in (repetition + i) % 2 == 0 ? new[] { false, true } : [true, false])
                {
                    List<TurnSample> turns;
                    if (reuse)
                    {
                        using var client = new SpeculativeChatClient(pair.Generator, template, clientOptions);
                        turns = await Converse(client, conversations[i], chatOptions, reuse: true, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        turns = await Converse(fresh, conversations[i], chatOptions, reuse: false, cancellationToken).ConfigureAwait(false);
                    }

                    identical &= first is null || first.Select(t => t.Reply).SequenceEqual(turns.Select(t => t.Reply));
                    first ??= turns;
                    samples.AddRange(turns);
                }
            }
        }

        JsonObject document = Report(samples, conversations.Count, repetitions, maxNewTokens, identical, targetFolder, draftFolder, ngram, file);
        WriteTable(document, human);
        if (asJson)
        {
            output.WriteLine(ToolJson.Serialize(document));
        }

        return identical ? ExitCodes.Success : ExitCodes.CheckFailed;
    }

    private static async Task<List<TurnSample>> Converse(SpeculativeChatClient client, Conversation conversation, ChatOptions options, bool reuse, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>();
        if (conversation.System is { } system)
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        var turns = new List<TurnSample>();
        for (int turn = 0; turn < conversation.Turns.Length; turn++)
        {
            messages.Add(new ChatMessage(ChatRole.User, conversation.Turns[turn]));
            ChatResponse response = await client.GetResponseAsync(messages, options.Clone(), cancellationToken).ConfigureAwait(false);
            double ttft = Convert.ToDouble(response.AdditionalProperties!["fastdraft.time_to_first_token_ms"], CultureInfo.InvariantCulture);
            turns.Add(new TurnSample(turn + 1, reuse, ttft, response.Usage?.InputTokenCount ?? 0, response.Usage?.CachedInputTokenCount ?? 0, response.Text));
            messages.AddRange(response.Messages);
        }

        return turns;
    }

    private static JsonObject Report(List<TurnSample> samples, int conversations, int repetitions, int maxNewTokens, bool identical, string target, string? draft, int? ngram, string file)
    {
        var turns = new JsonArray();
        foreach (IGrouping<int, TurnSample> turn in samples.GroupBy(s => s.Turn).OrderBy(g => g.Key))
        {
            double freshMs = Median(turn.Where(s => !s.Reuse).Select(s => s.TimeToFirstTokenMs));
            double reuseMs = Median(turn.Where(s => s.Reuse).Select(s => s.TimeToFirstTokenMs));
            turns.Add(new JsonObject
            {
                ["turn"] = turn.Key,
                ["samples"] = turn.Count(s => s.Reuse),
                ["prompt_tokens_mean"] = Math.Round(turn.Average(s => (double)s.PromptTokens), 1),
                ["reused_tokens_mean"] = Math.Round(turn.Where(s => s.Reuse).Average(s => (double)s.ReusedTokens), 1),
                ["ttft_ms_fresh_median"] = Math.Round(freshMs, 3),
                ["ttft_ms_reuse_median"] = Math.Round(reuseMs, 3),
                ["ttft_ratio"] = freshMs > 0 ? Math.Round(reuseMs / freshMs, 4) : null,
            });
        }

        return ToolJson.Document(new JsonObject
        {
            ["target"] = target,
            ["draft"] = draft ?? (ngram is int n ? $"ngram{n}" : null),
            ["conversations_file"] = file,
            ["conversations"] = conversations,
            ["repetitions"] = repetitions,
            ["max_new_tokens"] = maxNewTokens,
            ["identical_replies"] = identical,
            ["turns"] = turns,
        });
    }

    private static void WriteTable(JsonObject document, TextWriter human)
    {
        human.WriteLine("Time to first token per turn (median), without and with session reuse:");
        human.WriteLine("turn  prompt  reused  fresh ms  reuse ms  ratio");
        foreach (JsonNode? turn in document["turns"]!.AsArray())
        {
            human.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{turn!["turn"],4}  {turn["prompt_tokens_mean"],6}  {turn["reused_tokens_mean"],6}  {turn["ttft_ms_fresh_median"],8}  {turn["ttft_ms_reuse_median"],8}  {turn["ttft_ratio"]}"));
        }

        human.WriteLine(document["identical_replies"]!.GetValue<bool>()
            ? "Replies with reuse are identical to those without."
            : "Replies with reuse DIFFER from those without: reuse must not change the output.");
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Reads a JSONL file: one object per line, <c>"turns"</c> (the user's messages, at least one) and optionally <c>"system"</c>.</summary>
    private static List<Conversation> Read(string file)
    {
        var conversations = new List<Conversation>();
        int number = 0;
        foreach (string line in File.ReadLines(file))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            Conversation? conversation;
            try
            {
                using JsonDocument json = JsonDocument.Parse(line);
                JsonElement root = json.RootElement;
                string[] turns = root.TryGetProperty("turns", out JsonElement t) && t.ValueKind == JsonValueKind.Array
                    ? [.. t.EnumerateArray().Select(e => e.GetString() ?? throw new FormatException("a turn is null"))]
                    : [];
                string? system = root.TryGetProperty("system", out JsonElement s) ? s.GetString() : null;
                conversation = turns.Length > 0 ? new Conversation(system, turns) : null;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                throw new ArgumentException($"{file}:{number}: not a conversation ({ex.Message}); expected {{\"system\": \"...\", \"turns\": [\"...\", ...]}}.", ex);
            }

            conversations.Add(conversation ?? throw new ArgumentException($"{file}:{number}: a conversation needs \"turns\": a non-empty array of user messages."));
        }

        return conversations.Count > 0 ? conversations : throw new ArgumentException($"{file} holds no conversation.");
    }
}
