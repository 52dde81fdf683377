using Microsoft.Extensions.Logging;

namespace FastDraft.Text;

/// <summary>How a <see cref="SpeculativeChatClient"/> sizes replies and handles conversations that outgrow the context.</summary>
/// <remarks>Immutable: fixed for the client's lifetime; per-request settings are <c>ChatOptions</c>.</remarks>
public sealed record SpeculativeChatClientOptions
{
    /// <summary>The default of <see cref="DefaultMaxOutputTokens"/>.</summary>
    public const int DefaultReplyTokens = 512;

    /// <summary>Gets the default options: <see cref="ChatContextOverflow.Throw"/>, replies of up to 512 tokens.</summary>
    public static SpeculativeChatClientOptions Default { get; } = new();

    /// <summary>
    /// Gets the policy for a conversation that no longer fits (see <see cref="SpeculativeChatClient"/> for when a
    /// conversation fits); default <see cref="ChatContextOverflow.Throw"/>.
    /// </summary>
    public ChatContextOverflow ContextOverflow { get; init; }

    /// <summary>
    /// Gets the most tokens of a reply when the request does not set <c>ChatOptions.MaxOutputTokens</c>; such a reply
    /// also ends, with <c>ChatFinishReason.Length</c>, when the context is full. At least 1; default 512.
    /// </summary>
    public int DefaultMaxOutputTokens { get; init; } = DefaultReplyTokens;

    /// <summary>
    /// Gets the bounds of the <see cref="SessionPool"/> in which the client keeps the sessions (key/value caches) of finished
    /// replies, so that a conversation's next turn runs the model only over its new tokens; <see langword="null"/> turns reuse
    /// off (every reply then runs over its whole prompt). Default: <see cref="SessionPoolOptions.Default"/>. Ignored when the
    /// generator has a <see cref="SpeculativeOptions.SessionPool"/> of its own, which the client then uses.
    /// </summary>
    public SessionPoolOptions? SessionPool { get; init; } = SessionPoolOptions.Default;

    /// <summary>
    /// Gets the logger: the client logs its creation (model, template, tool-call format) at Information and each reply at
    /// Debug (prompt tokens, the most tokens allowed, finish reason, tool calls, drafted and accepted tokens, duration);
    /// <see langword="null"/> (the default) logs nothing.
    /// </summary>
    public ILogger? Logger { get; init; }

    internal void Validate(string paramName)
    {
        if (!Enum.IsDefined(ContextOverflow))
        {
            throw new ArgumentOutOfRangeException(paramName, ContextOverflow, "ContextOverflow must be Throw or DropOldestMessages.");
        }

        if (DefaultMaxOutputTokens < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, DefaultMaxOutputTokens, "DefaultMaxOutputTokens must be at least 1.");
        }
    }
}
