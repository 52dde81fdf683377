using System.Text;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tool;

/// <summary>
/// A conversation with a pair: each turn formatted with the model folder's chat template (<see cref="ChatTemplate"/>),
/// generated speculatively and streamed token by token, each token shown by where it came from.
/// </summary>
/// <remarks>
/// The generator is driven directly rather than through <see cref="SpeculativeChatClient"/>'s streaming, whose updates
/// carry text but not each token's <see cref="TokenSource"/>; the prompt and the options are the client's own
/// (<see cref="SpeculativeChatClient.Prepare"/>): the template it chooses, the end of an assistant turn as a stop, and,
/// when the conversation outgrows the context, the oldest turns after the system message left out of the prompt (the
/// history keeps them).
/// </remarks>
internal sealed class ChatSession
{
    private readonly SpeculativeGenerator _generator;
    private readonly SpeculativeChatClient _client;
    private readonly ChatOptions _options;
    private readonly List<ChatMessage> _history = [];

    public ChatSession(SpeculativeGenerator generator, GenerationOptions options, string? system)
    {
        _generator = generator;
        _client = (SpeculativeChatClient)generator.AsChatClient(options: new SpeculativeChatClientOptions { ContextOverflow = ChatContextOverflow.DropOldestMessages });

        // The command's sampling options are the starting point; the reply length is the command's --max-new-tokens.
        _options = new ChatOptions { RawRepresentationFactory = _ => options, MaxOutputTokens = options.MaxNewTokens };
        if (!string.IsNullOrEmpty(system))
        {
            _history.Add(new ChatMessage(ChatRole.System, system));
        }
    }

    public ChatTemplate Template => _client.Template;

    /// <summary>Answers <paramref name="message"/>, writing the reply's tokens as they come; returns the turn's statistics.</summary>
    /// <exception cref="ArgumentException">The message alone leaves no room for a reply in the context (the history is left as it was).</exception>
    public async Task<GenerationStats> ReplyAsync(string message, TextWriter output, bool color, CancellationToken cancellationToken)
    {
        _history.Add(new ChatMessage(ChatRole.User, message));
        ReadOnlyMemory<int> prompt;
        GenerationOptions generation;
        try
        {
            (prompt, generation, _) = _client.Prepare(_history, _options);
        }
        catch (ArgumentException)
        {
            _history.RemoveAt(_history.Count - 1);
            throw;
        }

        var stats = new GenerationStats();
        var reply = new StringBuilder();
        await foreach (GeneratedToken token in _generator.GenerateAsync(prompt, generation, stats, cancellationToken).ConfigureAwait(false))
        {
            reply.Append(token.Text);
            await output.WriteAsync(TokenColors.Format(token, color)).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        _history.Add(new ChatMessage(ChatRole.Assistant, reply.ToString()));
        return stats;
    }
}
