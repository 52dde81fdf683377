namespace FastDraft.Text;

/// <summary>What a <see cref="SpeculativeChatClient"/> does with a conversation that no longer fits the model's context.</summary>
public enum ChatContextOverflow
{
    /// <summary>
    /// The request fails with <see cref="ArgumentException"/>, naming the conversation's tokens, the reply's and the
    /// context's. Nothing is dropped: the caller decides what to cut.
    /// </summary>
    Throw,

    /// <summary>
    /// The oldest messages are left out of the prompt (a user message together with the replies that follow it) until the
    /// conversation leaves room for the reply; leading system messages (and <c>ChatOptions.Instructions</c>) and the last
    /// message are always kept. The caller's message list is not changed. The response's
    /// <c>fastdraft.dropped_messages</c> property says how many were left out.
    /// </summary>
    DropOldestMessages,
}
