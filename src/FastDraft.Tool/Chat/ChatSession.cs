using System.Globalization;
using System.Text;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tool;

/// <summary>
/// A conversation with a pair: each turn formatted with the model folder's chat template (<see cref="ChatTemplate"/>),
/// generated speculatively and streamed token by token, each token shown by where it came from.
/// </summary>
/// <remarks>
/// The generator is driven directly rather than through <see cref="SpeculativeChatClient"/>, whose streaming updates
/// carry text but not each token's <see cref="TokenSource"/>; the turn's end and the context policy are the client's:
/// the end of an assistant turn stops generation (as a token when it is one, else as text), and when the conversation
/// outgrows the context the oldest turns after the system message are left out of the prompt (the history keeps them).
/// </remarks>
internal sealed class ChatSession
{
    private readonly SpeculativeGenerator _generator;
    private readonly ModelTokenizer _tokenizer;
    private readonly GenerationOptions _options;
    private readonly List<ChatMessage> _history = [];

    public ChatSession(SpeculativeGenerator generator, ModelTokenizer tokenizer, GenerationOptions options, string? system)
    {
        _generator = generator;
        _tokenizer = tokenizer;
        Template = ChatTemplate.TryRecognize(tokenizer.ChatTemplateSource, out _) ? ChatTemplate.FromTokenizer(tokenizer) : ChatTemplate.Create(ChatFormat.Plain);
        IReadOnlyList<int> endOfTurn = tokenizer.Encode(Template.EndOfTurn, addSpecialTokens: false);
        bool isToken = endOfTurn.Count == 1 && Template.Format != ChatFormat.Plain;
        _options = options with
        {
            StopTokenIds = isToken ? [endOfTurn[0]] : [],
            StopSequences = [.. options.StopSequences ?? [], .. isToken ? Array.Empty<string>() : [Template.EndOfTurn]],
        };
        if (!string.IsNullOrEmpty(system))
        {
            _history.Add(new ChatMessage(ChatRole.System, system));
        }
    }

    public ChatTemplate Template { get; }

    /// <summary>Answers <paramref name="message"/>, writing the reply's tokens as they come; returns the turn's statistics.</summary>
    /// <exception cref="ArgumentException">The message alone leaves no room for a reply in the context (the history is left as it was).</exception>
    public async Task<GenerationStats> ReplyAsync(string message, TextWriter output, bool color, CancellationToken cancellationToken)
    {
        _history.Add(new ChatMessage(ChatRole.User, message));
        int[] prompt;
        try
        {
            prompt = Prompt();
        }
        catch (ArgumentException)
        {
            _history.RemoveAt(_history.Count - 1);
            throw;
        }

        var stats = new GenerationStats();
        var reply = new StringBuilder();
        await foreach (GeneratedToken token in _generator.GenerateAsync(prompt, _options, stats, cancellationToken).ConfigureAwait(false))
        {
            reply.Append(token.Text);
            await output.WriteAsync(TokenColors.Format(token, color)).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        _history.Add(new ChatMessage(ChatRole.Assistant, reply.ToString()));
        return stats;
    }

    /// <summary>The conversation's prompt, without its oldest turns while it leaves the reply less room than it may take.</summary>
    private int[] Prompt()
    {
        int context = _generator.Target.Info.ContextLength;
        int reserve = _options.StopAtContextLimit ? Math.Max(1, Math.Min(_options.MaxNewTokens, context / 2)) : _options.MaxNewTokens;
        List<ChatMessage> conversation = [.. _history];
        int[] prompt = Encode(conversation);
        while ((long)prompt.Length + reserve > context && DropOldestTurn(conversation))
        {
            prompt = Encode(conversation);
        }

        return (long)prompt.Length + reserve <= context
            ? prompt
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The message is {prompt.Length} tokens once formatted; with --max-new-tokens {reserve} that is beyond the {context} tokens the model holds: send a shorter message."));
    }

    private int[] Encode(List<ChatMessage> conversation) => [.. _tokenizer.Encode(Template.Apply(conversation), addSpecialTokens: false)];

    /// <summary>Removes the oldest turn after the system message (a user message and the replies after it), never the last message.</summary>
    private static bool DropOldestTurn(List<ChatMessage> conversation)
    {
        int first = conversation.FindIndex(m => m.Role != ChatRole.System);
        if (first < 0 || first >= conversation.Count - 1)
        {
            return false;
        }

        int end = first + 1;
        while (end < conversation.Count - 1 && conversation[end].Role != ChatRole.User)
        {
            end++;
        }

        conversation.RemoveRange(first, end - first);
        return true;
    }
}
