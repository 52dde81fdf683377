using FastDraft.OnnxRuntime;
using FastDraft.Text;

namespace FastDraft.Hosting;

/// <summary>How <see cref="FastDraftServiceCollectionExtensions.AddSpeculativeChatClient"/> loads the pair and builds the chat client.</summary>
/// <remarks>Immutable; every member is optional (<see langword="null"/> for the defaults).</remarks>
public sealed record SpeculativeChatRegistration
{
    /// <summary>Gets the target model's loading options (execution provider, threads…); <see langword="null"/> for the defaults.</summary>
    public OnnxModelOptions? Target { get; init; }

    /// <summary>Gets the draft model's loading options; <see langword="null"/> for the defaults.</summary>
    public OnnxModelOptions? Draft { get; init; }

    /// <summary>Gets the speculative options (draft length, adaptivity…); <see langword="null"/> for the defaults.</summary>
    public SpeculativeOptions? Speculative { get; init; }

    /// <summary>
    /// Gets the chat client's options (reply length, context policy); <see langword="null"/> for the defaults. Without a
    /// <see cref="SpeculativeChatClientOptions.Logger"/>, the client logs through the container's <c>ILoggerFactory</c> when it has one.
    /// </summary>
    public SpeculativeChatClientOptions? Chat { get; init; }
}
