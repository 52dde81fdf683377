using Microsoft.Extensions.AI;

namespace FastDraft.Text;

/// <summary>Chat conveniences over <see cref="SpeculativeGenerator"/>.</summary>
public static class SpeculativeChatClientExtensions
{
    /// <summary>Wraps a generator in an <see cref="IChatClient"/>.</summary>
    /// <param name="generator">The generator; it must have a tokenizer.</param>
    /// <param name="template">
    /// The prompt format; <see langword="null"/> for the one the tokenizer's <c>chat_template</c> describes, or, when the
    /// tokenizer has none (a base model), the plain format (<see cref="ChatFormat.Plain"/>: <c>User: …</c> /
    /// <c>Assistant:</c> lines); the client's <c>GetService&lt;ChatTemplate&gt;()</c> returns the format chosen.
    /// </param>
    /// <param name="options">Reply length and context policy; <see langword="null"/> for the defaults.</param>
    /// <returns>A chat client that owns nothing (see <see cref="SpeculativeChatClient"/>).</returns>
    /// <exception cref="ArgumentException">The generator has no tokenizer.</exception>
    /// <exception cref="ChatTemplateException">No template is given and the tokenizer's <c>chat_template</c> cannot be parsed.</exception>
    public static IChatClient AsChatClient(this SpeculativeGenerator generator, ChatTemplate? template = null, SpeculativeChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        template ??= generator.Tokenizer switch
        {
            null => throw new ArgumentException("The generator needs a tokenizer to chat.", nameof(generator)),
            ModelTokenizer { ChatTemplateSource: not null } tokenizer => ChatTemplate.FromTokenizer(tokenizer),
            _ => ChatTemplate.Create(ChatFormat.Plain),
        };
        return new SpeculativeChatClient(generator, template, options);
    }
}
