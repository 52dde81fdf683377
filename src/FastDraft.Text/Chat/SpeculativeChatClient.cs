using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Text.Chat;

/// <summary>
/// An <see cref="IChatClient"/> over a <see cref="SpeculativeGenerator"/>: formats the conversation
/// with a <see cref="ChatTemplate"/>, generates speculatively, and reports token usage and the
/// speculative statistics.
/// </summary>
/// <remarks>
/// <para>
/// Thread safety: any number of requests may run at once; each is its own generation.
/// Ownership: the client does not own the generator, its models or its tokenizer: disposing the
/// client disposes nothing, and the models must outlive every request.
/// </para>
/// <para>
/// Options: <see cref="ChatOptions.Temperature"/>, <see cref="ChatOptions.TopP"/>, <see cref="ChatOptions.TopK"/>,
/// <see cref="ChatOptions.MaxOutputTokens"/>, <see cref="ChatOptions.StopSequences"/>, <see cref="ChatOptions.Seed"/>,
/// <see cref="ChatOptions.PresencePenalty"/> and <see cref="ChatOptions.Instructions"/> (a system message) are
/// honoured; tools and response formats are not supported. Without a temperature the client samples at
/// temperature 1 when other sampling options are set, and decodes greedily otherwise. The speculative
/// statistics are in the response's <see cref="ChatResponse.AdditionalProperties"/> (keys starting with
/// <c>fastdraft.</c>), and, when streaming, in the last update with the <see cref="UsageContent"/>.
/// </para>
/// </remarks>
public sealed class SpeculativeChatClient : IChatClient
{
    private const int DefaultMaxOutputTokens = 512;
    private readonly ChatClientMetadata _metadata;
    private readonly int[] _endOfTurnIds;
    private readonly string? _endOfTurnText;

    /// <summary>Initializes a chat client.</summary>
    /// <param name="generator">The generator; it must have a tokenizer.</param>
    /// <param name="template">The prompt format.</param>
    /// <exception cref="ArgumentException">The generator has no tokenizer.</exception>
    public SpeculativeChatClient(SpeculativeGenerator generator, ChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(template);
        ITextTokenizer tokenizer = generator.Tokenizer ?? throw new ArgumentException("The generator needs a tokenizer to chat.", nameof(generator));
        Generator = generator;
        Template = template;
        _metadata = new ChatClientMetadata(FastDraftTelemetry.ProviderName, null, generator.Target.Info.Name);

        // The end of an assistant turn stops generation: as a token when it is one (special tokens
        // have no text to match), else as a stop sequence.
        IReadOnlyList<int> endOfTurn = tokenizer.Encode(template.EndOfTurn, addSpecialTokens: false);
        bool isToken = endOfTurn.Count == 1 && template.Format != ChatFormat.Plain;
        _endOfTurnIds = isToken ? [endOfTurn[0]] : [];
        _endOfTurnText = isToken ? null : template.EndOfTurn;
    }

    /// <summary>Gets the generator.</summary>
    public SpeculativeGenerator Generator { get; }

    /// <summary>Gets the prompt format.</summary>
    public ChatTemplate Template { get; }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        (ReadOnlyMemory<int> prompt, GenerationOptions generation) = Prepare(messages, options);
        var stats = new GenerationStats();
        var text = new StringBuilder();
        await foreach (GeneratedToken token in Generator.GenerateAsync(prompt, generation, stats, cancellationToken).ConfigureAwait(false))
        {
            text.Append(token.Text);
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = _metadata.DefaultModelId,
            FinishReason = FinishReason(stats.StopReason),
            Usage = Usage(stats),
            AdditionalProperties = Statistics(stats),
        };
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        (ReadOnlyMemory<int> prompt, GenerationOptions generation) = Prepare(messages, options);
        return Stream(prompt, generation, cancellationToken);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(Generator) ? Generator
            : serviceType.IsInstanceOfType(Template) ? Template
            : Generator.Target.GetService(serviceType) ?? Generator.Tokenizer?.GetService(serviceType);
    }

    /// <summary>Does nothing: the client owns neither the generator nor the models.</summary>
    public void Dispose()
    {
    }

    private async IAsyncEnumerable<ChatResponseUpdate> Stream(ReadOnlyMemory<int> prompt, GenerationOptions generation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stats = new GenerationStats();
        string responseId = Guid.NewGuid().ToString("N");
        await foreach (GeneratedToken token in Generator.GenerateAsync(prompt, generation, stats, cancellationToken).ConfigureAwait(false))
        {
            if (!string.IsNullOrEmpty(token.Text))
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, token.Text) { ResponseId = responseId, ModelId = _metadata.DefaultModelId };
            }
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage(stats))])
        {
            ResponseId = responseId,
            ModelId = _metadata.DefaultModelId,
            FinishReason = FinishReason(stats.StopReason),
            AdditionalProperties = Statistics(stats),
        };
    }

    /// <summary>Checks the request and turns it into a prompt and generation options (eagerly, before any enumeration).</summary>
    internal (ReadOnlyMemory<int> Prompt, GenerationOptions Options) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        List<ChatMessage> conversation = [.. messages];
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            conversation.Insert(0, new ChatMessage(ChatRole.System, instructions));
        }

        if (options?.Tools is { Count: > 0 })
        {
            throw new NotSupportedException("Tools are not supported by the FastDraft chat client.");
        }

        int[] prompt = [.. Generator.Tokenizer!.Encode(Template.Apply(conversation), addSpecialTokens: false)];
        int room = Generator.Target.Info.ContextLength - prompt.Length;
        bool samples = options?.Temperature is > 0 || (options?.Temperature is null && (options?.TopP is not null || options?.TopK is not null || options?.Seed is not null));
        var generation = new GenerationOptions
        {
            MaxNewTokens = options?.MaxOutputTokens ?? Math.Clamp(room, 1, DefaultMaxOutputTokens),
            Temperature = options?.Temperature ?? (samples ? 1f : 0f),
            TopP = options?.TopP ?? 1f,
            TopK = options?.TopK ?? 0,
            Seed = options?.Seed,
            PresencePenalty = options?.PresencePenalty ?? 0f,
            StopTokenIds = _endOfTurnIds,
            StopSequences = [.. options?.StopSequences ?? [], .. _endOfTurnText is null ? [] : new[] { _endOfTurnText }],
        };

        // Validate now (the generator checks again when called): a bad option fails the call itself.
        _ = Generator.GenerateAsync(prompt, generation);
        return (prompt, generation);
    }

    private static ChatFinishReason? FinishReason(StopReason reason) => reason switch
    {
        StopReason.MaxNewTokens => ChatFinishReason.Length,
        StopReason.None => null,
        _ => ChatFinishReason.Stop,
    };

    private static UsageDetails Usage(GenerationStats stats) => new()
    {
        InputTokenCount = stats.PromptTokens,
        OutputTokenCount = stats.GeneratedTokens,
        TotalTokenCount = stats.PromptTokens + stats.GeneratedTokens,
    };

    private static AdditionalPropertiesDictionary Statistics(GenerationStats stats) => new()
    {
        ["fastdraft.drafted_tokens"] = stats.DraftedTokens,
        ["fastdraft.accepted_tokens"] = stats.AcceptedTokens,
        ["fastdraft.acceptance_rate"] = stats.AcceptanceRate,
        ["fastdraft.mean_accepted_length"] = stats.MeanAcceptedLength,
        ["fastdraft.target_calls"] = stats.TargetCalls,
        ["fastdraft.draft_calls"] = stats.DraftCalls,
        ["fastdraft.tokens_per_second"] = stats.TokensPerSecond,
        ["fastdraft.time_to_first_token_ms"] = stats.TimeToFirstToken.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
    };
}

/// <summary>Chat conveniences over <see cref="SpeculativeGenerator"/>.</summary>
public static class SpeculativeChatClientExtensions
{
    /// <summary>Wraps a generator in an <see cref="IChatClient"/>.</summary>
    /// <param name="generator">The generator; it must have a tokenizer.</param>
    /// <param name="template">The prompt format; <see langword="null"/> for the one the tokenizer's configuration describes.</param>
    /// <returns>A chat client that owns nothing (see <see cref="SpeculativeChatClient"/>).</returns>
    /// <exception cref="NotSupportedException">No template is given and the tokenizer's cannot be recognised.</exception>
    public static IChatClient AsChatClient(this SpeculativeGenerator generator, ChatTemplate? template = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        template ??= generator.Tokenizer is ModelTokenizer tokenizer
            ? ChatTemplate.FromTokenizer(tokenizer)
            : throw new NotSupportedException("Pass a ChatTemplate: the generator's tokenizer does not carry a chat template.");
        return new SpeculativeChatClient(generator, template);
    }
}
