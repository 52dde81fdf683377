using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDraft.Text;

/// <summary>
/// An <see cref="IChatClient"/> over a <see cref="SpeculativeGenerator"/>: formats the conversation
/// with a <see cref="ChatTemplate"/>, generates speculatively, and reports token usage and the
/// speculative statistics.
/// </summary>
/// <remarks>
/// <para>
/// Thread safety: any number of requests may run at once; each is its own generation.
/// Ownership: the client does not own the generator, its models or its tokenizer, and the models must
/// outlive every request and the client.
/// </para>
/// <para>
/// Sessions are reused across turns and requests: unless <see cref="SpeculativeChatClientOptions.SessionPool"/> is
/// <see langword="null"/> (or the generator already has a <see cref="SpeculativeOptions.SessionPool"/>, which it then uses),
/// the client keeps the key/value caches of finished replies in its own <see cref="SessionPool"/>, so that the next turn of a
/// conversation, or another conversation with the same system prompt, runs the model only over the tokens that are new.
/// The replies are exactly those without the pool. Disposing the client disposes that pool.
/// <see cref="UsageDetails.CachedInputTokenCount"/> reports the prompt tokens a reply reused.
/// </para>
/// <para>
/// Options: <see cref="ChatOptions.Temperature"/>, <see cref="ChatOptions.TopP"/>, <see cref="ChatOptions.TopK"/>,
/// <see cref="ChatOptions.MaxOutputTokens"/>, <see cref="ChatOptions.StopSequences"/>, <see cref="ChatOptions.Seed"/>,
/// <see cref="ChatOptions.PresencePenalty"/> and <see cref="ChatOptions.Instructions"/> (a system message) are
/// honoured, over the <see cref="GenerationOptions"/> that <see cref="ChatOptions.RawRepresentationFactory"/> may return;
/// <see cref="ChatOptions.AdditionalProperties"/> may set <c>min_p</c> (<see cref="GenerationOptions.MinP"/>) and
/// <c>repetition_penalty</c> (<see cref="GenerationOptions.RepetitionPenalty"/>). A response format other than text, a
/// frequency penalty and any other additional property throw <see cref="NotSupportedException"/> naming them. Without a temperature the client samples at
/// temperature 1 when other sampling options are set, and decodes greedily otherwise. The speculative
/// statistics are in the response's <see cref="ChatResponse.AdditionalProperties"/> (keys starting with
/// <c>fastdraft.</c>), and, when streaming, in the last update with the <see cref="UsageContent"/>.
/// </para>
/// <para>
/// Tools: <see cref="ChatOptions.Tools"/> (functions) go to the model's own template (its <c>tools</c> variable, in the
/// OpenAI/transformers shape), and tool calls in the reply become <see cref="FunctionCallContent"/> (finish reason
/// <see cref="ChatFinishReason.ToolCalls"/>), parsed by the family the template's markers name: Hermes/Qwen
/// <c>&lt;tool_call&gt;</c>, Llama 3 JSON, Phi-4-mini/Granite <c>&lt;|tool_call|&gt;</c>, Mistral <c>[TOOL_CALLS]</c>. When
/// streaming, text before a call streams and only the call's markup is held back; markup that does not parse stays text.
/// <see cref="ChatToolMode.None"/> offers no tools; a required tool mode, a tool that is not a function, a hard-coded format
/// and a template of no known tool-call family throw <see cref="NotSupportedException"/>.
/// </para>
/// <para>
/// Context: a conversation fits when its prompt (the formatted messages) leaves room in the model's context
/// (<see cref="ModelInfo.ContextLength"/>) for the reply: for <see cref="ChatOptions.MaxOutputTokens"/> tokens when the request
/// sets it, else for at least one token (such a reply has up to <see cref="SpeculativeChatClientOptions.DefaultMaxOutputTokens"/>
/// tokens and ends, with <see cref="ChatFinishReason.Length"/>, when the context is full). A conversation that does not fit
/// is refused with <see cref="ArgumentException"/> naming the numbers, or, with
/// <see cref="ChatContextOverflow.DropOldestMessages"/>, loses its oldest turns first: until the reply has room for
/// <see cref="ChatOptions.MaxOutputTokens"/>, or without it for the default reply length (at most half the context).
/// </para>
/// </remarks>
public sealed class SpeculativeChatClient : IChatClient
{
    private readonly ChatClientMetadata _metadata;
    private readonly int[] _endOfTurnIds;
    private readonly string? _endOfTurnText;
    private readonly SessionPool? _ownPool;
    private readonly SpeculativeGenerator _generator; // Generator, with the client's session pool
    private readonly Dictionary<int, string> _markerTokens = [];
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonConstraint> _constraints = new(); // by schema text ("" for any JSON): compiled once, shared (thread-safe)

    /// <summary>Initializes a chat client.</summary>
    /// <param name="generator">The generator; it must have a tokenizer.</param>
    /// <param name="template">The prompt format.</param>
    /// <param name="options">Reply length and context policy; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The generator has no tokenizer.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SpeculativeChatClient(SpeculativeGenerator generator, ChatTemplate template, SpeculativeChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(template);
        options ??= SpeculativeChatClientOptions.Default;
        options.Validate(nameof(options));
        ITextTokenizer tokenizer = generator.Tokenizer ?? throw new ArgumentException("The generator needs a tokenizer to chat.", nameof(generator));
        Generator = generator;
        Template = template;
        Options = options;
        _metadata = new ChatClientMetadata(FastDraftTelemetry.ProviderName, null, generator.Target.Info.Name);
        _generator = generator;
        if (options.SessionPool is { } poolOptions && generator.Options.SessionPool is null)
        {
            _ownPool = new SessionPool(poolOptions);
            _generator = new SpeculativeGenerator(generator.Target, generator.Draft, generator.Options with { SessionPool = _ownPool }, tokenizer);
        }

        // The end of an assistant turn stops generation: as a token when it is one (special tokens
        // have no text to match), else as a stop sequence.
        IReadOnlyList<int> endOfTurn = tokenizer.Encode(template.EndOfTurn, addSpecialTokens: false);
        bool isToken = endOfTurn.Count == 1 && template.Format != ChatFormat.Plain;
        _endOfTurnIds = isToken ? [endOfTurn[0]] : [];
        _endOfTurnText = isToken ? null : template.EndOfTurn;

        // Tool-call markers that are special tokens decode to nothing: the parser gets their text back by id.
        foreach (string marker in ToolCallMarkers.All(template.ToolCalls))
        {
            if (tokenizer.Encode(marker, addSpecialTokens: false) is [int id])
            {
                _markerTokens[id] = marker;
            }
        }

        _logger = options.Logger ?? NullLogger.Instance;
        ChatLog.Created(_logger, generator.Target.Info.Name, generator.Draft is not null, generator.Target.Info.ContextLength, template.Format, template.ToolCalls);
    }

    /// <summary>Gets the generator.</summary>
    public SpeculativeGenerator Generator { get; }

    /// <summary>Gets the prompt format.</summary>
    public ChatTemplate Template { get; }

    /// <summary>Gets the reply length and context policy.</summary>
    public SpeculativeChatClientOptions Options { get; }

    /// <inheritdoc/>
    /// <remarks>The request is checked when this method is called: a conversation that does not fit, or a bad option, throws here, not from the task.</remarks>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatRequest request = PrepareRequest(messages, options);
        return Respond(request, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>The request is checked when this method is called, before any enumeration.</remarks>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatRequest request = PrepareRequest(messages, options);
        return Stream(request, cancellationToken);
    }

    private async Task<ChatResponse> Respond(ChatRequest request, CancellationToken cancellationToken)
    {
        var stats = new GenerationStats();
        var text = new StringBuilder();
        var parser = new ToolCallParser(request.ToolCalls);
        await foreach (GeneratedToken token in _generator.GenerateAsync(request.Prompt, request.Options, stats, cancellationToken).ConfigureAwait(false))
        {
            text.Append(parser.Append(TextOf(token)));
        }

        (string rest, IReadOnlyList<FunctionCallContent> calls, string after) = parser.Finish();
        text.Append(rest);
        List<AIContent> contents = text.Length > 0 || calls.Count == 0 ? [new TextContent(text.ToString())] : [];
        contents.AddRange(calls);
        if (after.Length > 0)
        {
            contents.Add(new TextContent(after));
        }

        Log(request, stats, calls.Count);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = _metadata.DefaultModelId,
            FinishReason = calls.Count > 0 ? ChatFinishReason.ToolCalls : FinishReason(stats),
            Usage = Usage(stats),
            AdditionalProperties = Statistics(stats, request.DroppedMessages),
        };
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

    /// <summary>Disposes the client's session pool (the sessions it keeps), if it has one; the client owns neither the generator nor the models.</summary>
    public void Dispose() => _ownPool?.Dispose();

    private async IAsyncEnumerable<ChatResponseUpdate> Stream(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stats = new GenerationStats();
        string responseId = Guid.NewGuid().ToString("N");
        var parser = new ToolCallParser(request.ToolCalls);
        await foreach (GeneratedToken token in _generator.GenerateAsync(request.Prompt, request.Options, stats, cancellationToken).ConfigureAwait(false))
        {
            if (parser.Append(TextOf(token)) is { Length: > 0 } text)
            {
                yield return Update(responseId, [new TextContent(text)]);
            }
        }

        (string rest, IReadOnlyList<FunctionCallContent> calls, string after) = parser.Finish();
        if (rest.Length > 0)
        {
            yield return Update(responseId, [new TextContent(rest)]);
        }

        if (calls.Count > 0)
        {
            yield return Update(responseId, [.. calls]);
        }

        if (after.Length > 0)
        {
            yield return Update(responseId, [new TextContent(after)]);
        }

        Log(request, stats, calls.Count);
        ChatResponseUpdate last = Update(responseId, [new UsageContent(Usage(stats))]);
        last.FinishReason = calls.Count > 0 ? ChatFinishReason.ToolCalls : FinishReason(stats);
        last.AdditionalProperties = Statistics(stats, request.DroppedMessages);
        yield return last;
    }

    private ChatResponseUpdate Update(string responseId, IList<AIContent> contents) => new(ChatRole.Assistant, contents) { ResponseId = responseId, ModelId = _metadata.DefaultModelId };

    /// <summary>A token's text for the tool-call parser: a marker's text when the token is one (special tokens decode to nothing).</summary>
    private string TextOf(GeneratedToken token) => _markerTokens.Count > 0 && _markerTokens.TryGetValue(token.Id, out string? marker) ? marker : token.Text ?? string.Empty;

    private void Log(ChatRequest request, GenerationStats stats, int toolCalls) =>
        ChatLog.Responded(_logger, request.Prompt.Length, request.Options.MaxNewTokens, stats.GeneratedTokens, toolCalls > 0 ? ChatFinishReason.ToolCalls.Value : stats.FinishReason ?? "none",
            toolCalls, stats.DraftedTokens, stats.AcceptedTokens, stats.TotalTime.TotalMilliseconds);

    /// <summary>
    /// Checks the request and turns it into a prompt and generation options (eagerly, before any enumeration), leaving
    /// out the oldest turns when the policy says so; also returns how many messages were left out.
    /// </summary>
    internal (ReadOnlyMemory<int> Prompt, GenerationOptions Options, int DroppedMessages) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ChatRequest request = PrepareRequest(messages, options);
        return (request.Prompt, request.Options, request.DroppedMessages);
    }

    /// <summary>As <see cref="Prepare"/>, with the tool-call syntax to parse the reply with (<see cref="ToolCallSyntax.None"/> when no tools are offered).</summary>
    internal ChatRequest PrepareRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        List<ChatMessage> conversation = [.. messages];
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            conversation.Insert(0, new ChatMessage(ChatRole.System, instructions));
        }

        IReadOnlyList<AIFunctionDeclaration> tools = ChatOptionsMapping.Functions(options, Template);

        int? maxOutput = options?.MaxOutputTokens;
        if (maxOutput is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"ChatOptions.MaxOutputTokens must be at least 1, not {maxOutput}.");
        }

        int context = Generator.Target.Info.ContextLength;
        int[] prompt = Encode(conversation, tools);
        int dropped = 0;
        if (Options.ContextOverflow == ChatContextOverflow.DropOldestMessages)
        {
            int reserve = maxOutput ?? Math.Max(1, Math.Min(Options.DefaultMaxOutputTokens, context / 2));
            while ((long)prompt.Length + reserve > context && DropOldestTurn(conversation) is int removed and > 0)
            {
                dropped += removed;
                prompt = Encode(conversation, tools);
            }
        }

        if (Overflow(prompt.Length, maxOutput, dropped) is (string message, bool byMaxOutput))
        {
            throw new ArgumentException(message, byMaxOutput ? nameof(options) : nameof(messages));
        }

        bool samples = options?.Temperature is > 0 || (options?.Temperature is null && (options?.TopP is not null || options?.TopK is not null || options?.Seed is not null));

        // ChatOptions.RawRepresentationFactory may hand over GenerationOptions to start from (as other IChatClient
        // implementations take their SDK's options): what ChatOptions sets overrides them, the rest is kept.
        GenerationOptions raw = options?.RawRepresentationFactory?.Invoke(this) as GenerationOptions ?? new GenerationOptions();
        var generation = raw with
        {
            MaxNewTokens = maxOutput ?? Options.DefaultMaxOutputTokens,
            StopAtContextLimit = maxOutput is null,
            Temperature = options?.Temperature ?? (samples && raw.Temperature == 0f ? 1f : raw.Temperature),
            TopP = options?.TopP ?? raw.TopP,
            TopK = options?.TopK ?? raw.TopK,
            Seed = options?.Seed ?? raw.Seed,
            PresencePenalty = options?.PresencePenalty ?? raw.PresencePenalty,
            Constraint = options?.ResponseFormat is ChatResponseFormatJson json ? Constraint(json.Schema?.GetRawText()) : raw.Constraint,
            StopTokenIds = [.. raw.StopTokenIds ?? [], .. _endOfTurnIds],
            StopSequences = [.. raw.StopSequences ?? [], .. options?.StopSequences ?? [], .. _endOfTurnText is null ? [] : new[] { _endOfTurnText }],
        };
        generation = ChatOptionsMapping.ApplyAdditionalProperties(generation, options?.AdditionalProperties);

        // Validate now (the generator checks again when called): a bad option fails the call itself.
        _ = Generator.GenerateAsync(prompt, generation);
        return new ChatRequest(prompt, generation, dropped, tools.Count > 0 ? Template.ToolCalls : ToolCallSyntax.None);
    }

    /// <summary>The constraint for a JSON response format: compiled once per schema (an automaton and a pass over the vocabulary), then reused.</summary>
    private JsonConstraint Constraint(string? schema)
    {
        if (_constraints.Count >= 64 && !_constraints.ContainsKey(schema ?? string.Empty))
        {
            _constraints.Clear(); // a bound on what a client serving many ad-hoc schemas keeps
        }

        return _constraints.GetOrAdd(schema ?? string.Empty, text => text.Length == 0 ? JsonConstraint.AnyJson(Generator.Tokenizer!) : JsonConstraint.ForSchema(text, Generator.Tokenizer!));
    }

    /// <summary>Removes the oldest turn after the leading system messages (a message, and the non-user messages after it), never the last message.</summary>
    /// <returns>The number of messages removed; 0 when nothing can be.</returns>
    private static int DropOldestTurn(List<ChatMessage> conversation)
    {
        int first = conversation.FindIndex(m => m.Role != ChatRole.System);
        if (first < 0 || first >= conversation.Count - 1)
        {
            return 0;
        }

        int end = first + 1;
        while (end < conversation.Count - 1 && conversation[end].Role != ChatRole.User)
        {
            end++;
        }

        conversation.RemoveRange(first, end - first);
        return end - first;
    }

    /// <summary>
    /// Says why a conversation leaves no room for the reply, in the caller's terms (messages, MaxOutputTokens, the model's
    /// context), and whether MaxOutputTokens is the culprit; <see langword="null"/> when it fits.
    /// </summary>
    private (string Message, bool MaxOutputTokens)? Overflow(int promptTokens, int? maxOutput, int dropped)
    {
        ModelInfo info = Generator.Target.Info;
        string conversation = dropped == 0
            ? $"The conversation is {promptTokens} tokens once formatted"
            : $"Even without its {dropped} oldest messages, the conversation is {promptTokens} tokens once formatted";
        string remedy = Options.ContextOverflow == ChatContextOverflow.Throw
            ? "shorten the conversation, or let the client drop the oldest messages (SpeculativeChatClientOptions.ContextOverflow = DropOldestMessages)"
            : "shorten the last message or the system message";
        if (promptTokens >= info.ContextLength)
        {
            return ($"{conversation}, but model '{info.Name}' holds {info.ContextLength} tokens in all, which leaves no room for a reply: {remedy}.", false);
        }

        if (maxOutput is int max && (long)promptTokens + max > info.ContextLength)
        {
            return ($"{conversation}; with ChatOptions.MaxOutputTokens ({max}) that is {(long)promptTokens + max} tokens, beyond the {info.ContextLength} that model '{info.Name}' holds: " +
                $"set MaxOutputTokens to at most {info.ContextLength - promptTokens}, or {remedy}.", true);
        }

        return null;
    }

    private int[] Encode(List<ChatMessage> conversation, IReadOnlyList<AIFunctionDeclaration> tools) =>
        [.. Generator.Tokenizer!.Encode(Template.Apply(conversation, addGenerationPrompt: true, tools), addSpecialTokens: false)];

    /// <summary>The statistics' finish reason (<see cref="GenerationStats.FinishReason"/>, the one mapping span and statistics share) as Microsoft.Extensions.AI's type.</summary>
    private static ChatFinishReason? FinishReason(GenerationStats stats) => stats.FinishReason is { } reason ? new ChatFinishReason(reason) : null;

    private static UsageDetails Usage(GenerationStats stats) => new()
    {
        InputTokenCount = stats.PromptTokens,
        OutputTokenCount = stats.GeneratedTokens,
        TotalTokenCount = stats.PromptTokens + stats.GeneratedTokens,
        CachedInputTokenCount = stats.ReusedPromptTokens,
        AdditionalCounts = new()
        {
            ["fastdraft.drafted_tokens"] = stats.DraftedTokens,
            ["fastdraft.accepted_tokens"] = stats.AcceptedTokens,
        },
    };

    private static AdditionalPropertiesDictionary Statistics(GenerationStats stats, int droppedMessages) => new()
    {
        ["fastdraft.dropped_messages"] = droppedMessages,
        ["fastdraft.drafted_tokens"] = stats.DraftedTokens,
        ["fastdraft.accepted_tokens"] = stats.AcceptedTokens,
        ["fastdraft.acceptance_rate"] = stats.AcceptanceRate,
        ["fastdraft.mean_accepted_length"] = stats.MeanAcceptedLength,
        ["fastdraft.target_calls"] = stats.TargetCalls,
        ["fastdraft.draft_calls"] = stats.DraftCalls,
        ["fastdraft.tokens_per_second"] = stats.TokensPerSecond,
        ["fastdraft.time_to_first_token_ms"] = stats.TimeToFirstToken.TotalMilliseconds,
    };
}
