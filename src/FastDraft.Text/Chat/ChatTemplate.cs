using System.Text;
using FastDraft.Text.Jinja;
using Microsoft.Extensions.AI;

namespace FastDraft.Text;

/// <summary>
/// Turns a conversation into the prompt text a model was trained on. Hugging Face models carry a
/// Jinja template in <c>tokenizer_config.json</c> (or <c>chat_template.jinja</c>): <see cref="FromTokenizer"/>
/// renders that template itself (<see cref="Jinja"/>), and recognises its family by its markers only to know where
/// a turn ends. The hard-coded families (<see cref="Create"/>) are for tokenizers without a template.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ChatTemplate
{
    private ChatTemplate(ChatFormat format, string beginningOfSequence, string endOfSequence, JinjaChatTemplate? jinja = null)
    {
        Jinja = jinja;
        Format = format;
        ToolCalls = ToolCallMarkers.Recognize(jinja?.Source);
        ToolsInSystemMessage = jinja?.Source.Contains("'tools' in message", StringComparison.Ordinal) == true;
        BeginningOfSequence = beginningOfSequence;
        EndOfSequence = endOfSequence;
    }

    /// <summary>Gets the model's own template, which <see cref="Apply(IEnumerable{ChatMessage}, bool)"/> renders, or <see langword="null"/> for a hard-coded format.</summary>
    public JinjaChatTemplate? Jinja { get; }

    /// <summary>Gets the format: the family of the model's template, or <see cref="ChatFormat.Template"/> when it is of none.</summary>
    public ChatFormat Format { get; }

    /// <summary>Gets the beginning-of-sequence text the format writes (Llama 2, Llama 3, Mistral, Gemma).</summary>
    public string BeginningOfSequence { get; }

    /// <summary>Gets the end-of-sequence text the format writes after assistant turns (Llama 2, Mistral).</summary>
    public string EndOfSequence { get; }

    /// <summary>Gets how the model family writes tool calls (recognised from the template's markers); <see cref="ToolCallSyntax.None"/> for a hard-coded format.</summary>
    internal ToolCallSyntax ToolCalls { get; }

    /// <summary>Gets a value indicating whether the template reads tool definitions from the system message's <c>tools</c> field (Phi-4-mini) rather than its <c>tools</c> variable.</summary>
    internal bool ToolsInSystemMessage { get; }

    /// <summary>Gets the text that ends an assistant turn: generation stops there.</summary>
    public string EndOfTurn => Format switch
    {
        ChatFormat.ChatML => "<|im_end|>",
        ChatFormat.Llama3 => "<|eot_id|>",
        ChatFormat.Phi3 => "<|end|>",
        ChatFormat.Gemma => "<end_of_turn>",
        ChatFormat.Plain => "\nUser:",
        _ => EndOfSequence,
    };

    /// <summary>Creates a template of a named format.</summary>
    /// <param name="format">The format (not <see cref="ChatFormat.Template"/>: that comes from <see cref="FromTokenizer"/>).</param>
    /// <param name="beginningOfSequence">The beginning-of-sequence token text; <see langword="null"/> for the format's usual one.</param>
    /// <param name="endOfSequence">The end-of-sequence token text; <see langword="null"/> for the format's usual one.</param>
    /// <returns>The template.</returns>
    public static ChatTemplate Create(ChatFormat format, string? beginningOfSequence = null, string? endOfSequence = null)
    {
        if (!Enum.IsDefined(format) || format == ChatFormat.Template)
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown chat format.");
        }

        string bos = beginningOfSequence ?? (format switch { ChatFormat.Llama3 => "<|begin_of_text|>", ChatFormat.Gemma => "<bos>", _ => "<s>" });
        string eos = endOfSequence ?? (format switch { ChatFormat.Llama3 => "<|end_of_text|>", ChatFormat.Gemma => "<eos>", _ => "</s>" });
        return new ChatTemplate(format, bos, eos);
    }

    /// <summary>Recognises the family of a Jinja chat template by its markers.</summary>
    /// <param name="jinja">The template text.</param>
    /// <param name="format">The recognised format.</param>
    /// <returns>Whether the template was recognised.</returns>
    public static bool TryRecognize(string? jinja, out ChatFormat format)
    {
        format = jinja switch
        {
            null => ChatFormat.Plain,
            _ when jinja.Contains("<|im_start|>", StringComparison.Ordinal) => ChatFormat.ChatML,
            _ when jinja.Contains("<|start_header_id|>", StringComparison.Ordinal) => ChatFormat.Llama3,
            _ when jinja.Contains("<|user|>", StringComparison.Ordinal) && jinja.Contains("<|end|>", StringComparison.Ordinal) => ChatFormat.Phi3,
            _ when jinja.Contains("<start_of_turn>", StringComparison.Ordinal) => ChatFormat.Gemma,
            _ when jinja.Contains("[INST]", StringComparison.Ordinal) && jinja.Contains("<<SYS>>", StringComparison.Ordinal) => ChatFormat.Llama2,
            _ when jinja.Contains("[INST]", StringComparison.Ordinal) => ChatFormat.Mistral,
            _ => (ChatFormat)(-1),
        };
        return jinja is not null && Enum.IsDefined(format);
    }

    /// <summary>
    /// Creates a template that renders a model's own Jinja template, for a model whose tokenizer is not a
    /// <see cref="ModelTokenizer"/>; its beginning- and end-of-sequence texts are the template's <c>bos_token</c> and
    /// <c>eos_token</c>.
    /// </summary>
    /// <param name="jinja">The parsed template.</param>
    /// <returns>The template.</returns>
    public static ChatTemplate FromJinja(JinjaChatTemplate jinja)
    {
        ArgumentNullException.ThrowIfNull(jinja);
        ChatFormat format = TryRecognize(jinja.Source, out ChatFormat family) ? family : ChatFormat.Template;
        ChatTemplate named = Create(format == ChatFormat.Template ? ChatFormat.ChatML : format, jinja.SpecialTokens.GetValueOrDefault("bos_token"), jinja.SpecialTokens.GetValueOrDefault("eos_token"));
        return new ChatTemplate(format, named.BeginningOfSequence, named.EndOfSequence, jinja);
    }

    /// <summary>Creates the template a model's <c>tokenizer_config.json</c> describes.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <returns>The template.</returns>
    /// <exception cref="NotSupportedException">The tokenizer has no chat template.</exception>
    /// <exception cref="ChatTemplateException">The template cannot be parsed.</exception>
    public static ChatTemplate FromTokenizer(ModelTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.ChatTemplateSource is not { } source)
        {
            throw new NotSupportedException("The model's tokenizer_config.json has no chat_template; name a format with ChatTemplate.Create (ChatFormat.Plain for a base model).");
        }

        string? Token(int? id) => id is int value ? tokenizer.Tokens.FirstOrDefault(t => t.Value == value).Key : null;
        ChatFormat format = TryRecognize(source, out ChatFormat family) ? family : ChatFormat.Template;
        ChatTemplate named = Create(format == ChatFormat.Template ? ChatFormat.ChatML : format, Token(tokenizer.BeginningOfSequenceTokenId),
            Token(tokenizer.EndOfSequenceTokenId) ?? tokenizer.ChatTemplateSpecialTokens.GetValueOrDefault("eos_token"));
        var jinja = JinjaChatTemplate.Parse(source, tokenizer.ChatTemplateSpecialTokens);
        return new ChatTemplate(format, named.BeginningOfSequence, named.EndOfSequence, jinja);
    }

    /// <summary>Writes the prompt for a conversation.</summary>
    /// <param name="messages">The conversation: system, user and assistant messages.</param>
    /// <param name="addGenerationPrompt">Whether to end with the opening of an assistant turn.</param>
    /// <returns>The prompt text (encode it without adding special tokens: the text holds them).</returns>
    /// <exception cref="ArgumentException">A role the format cannot express, or turns that do not alternate where the format requires it.</exception>
    /// <exception cref="ChatTemplateException">The model's own template refused the conversation or could not render it.</exception>
    public string Apply(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true) => Apply(messages, addGenerationPrompt, tools: null);

    /// <summary>Writes the prompt for a conversation that may call functions: the model's own template renders the tools (a hard-coded format cannot: the caller refuses them first).</summary>
    internal string Apply(IEnumerable<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyList<AIFunctionDeclaration>? tools)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (Jinja is not null)
        {
            if (tools is not { Count: > 0 })
            {
                return Jinja.Render(messages, addGenerationPrompt, tools: null, variables: null);
            }

            return ToolsInSystemMessage
                ? Jinja.Render(ChatMessageJson.ToJson(messages, ChatToolsJson.ToSystemMessageText(tools)), tools: null, addGenerationPrompt, variables: null)
                : Jinja.Render(ChatMessageJson.ToJson(messages), ChatToolsJson.ToJson(tools), addGenerationPrompt, variables: null);
        }

        List<(string Role, string Text)> turns = [.. messages.Select(m => (m.Role.Value, m.Text))];
        var prompt = new StringBuilder();
        switch (Format)
        {
            case ChatFormat.ChatML:
                foreach ((string role, string text) in turns)
                {
                    prompt.Append("<|im_start|>").Append(role).Append('\n').Append(text).Append("<|im_end|>\n");
                }

                return addGenerationPrompt ? prompt.Append("<|im_start|>assistant\n").ToString() : prompt.ToString();
            case ChatFormat.Llama3:
                prompt.Append(BeginningOfSequence);
                foreach ((string role, string text) in turns)
                {
                    prompt.Append("<|start_header_id|>").Append(role).Append("<|end_header_id|>\n\n").Append(text.Trim()).Append("<|eot_id|>");
                }

                return addGenerationPrompt ? prompt.Append("<|start_header_id|>assistant<|end_header_id|>\n\n").ToString() : prompt.ToString();
            case ChatFormat.Phi3:
                foreach ((string role, string text) in turns)
                {
                    prompt.Append("<|").Append(role).Append("|>\n").Append(text).Append("<|end|>\n");
                }

                return addGenerationPrompt ? prompt.Append("<|assistant|>\n").ToString() : prompt.Append(EndOfSequence).ToString();
            case ChatFormat.Plain:
                foreach ((string role, string text) in turns)
                {
                    // A reply that starts with a space (as a model writes one after the generation prompt's "Assistant:") keeps
                    // it as the only separator, so a past reply renders as the tokens generated and a reused cache covers it.
                    prompt.Append(char.ToUpperInvariant(role[0])).Append(role.AsSpan(1)).Append(':');
                    prompt.Append(text.Length > 0 && char.IsWhiteSpace(text[0]) ? text : " " + text).Append('\n');
                }

                return addGenerationPrompt ? prompt.Append("Assistant:").ToString() : prompt.ToString();
            default:
                return InstructionTurns(turns, prompt, addGenerationPrompt);
        }
    }

    /// <summary>Llama 2, Mistral and Gemma: strictly alternating user/assistant turns, a system message folded into the first user turn.</summary>
    private string InstructionTurns(List<(string Role, string Text)> turns, StringBuilder prompt, bool addGenerationPrompt)
    {
        string? system = turns.Count > 0 && turns[0].Role == "system" ? turns[0].Text : null;
        if (system is not null)
        {
            turns.RemoveAt(0);
        }

        if (Format != ChatFormat.Llama2)
        {
            prompt.Append(BeginningOfSequence);
        }

        for (int i = 0; i < turns.Count; i++)
        {
            (string role, string text) = turns[i];
            if ((role == "user") != (i % 2 == 0) || role is not ("user" or "assistant"))
            {
                throw new ArgumentException($"The {Format} chat format needs alternating user and assistant messages after an optional system message; message {i + (system is null ? 0 : 1)} is '{role}'.");
            }

            if (i == 0 && system is not null)
            {
                text = Format == ChatFormat.Llama2 ? $"<<SYS>>\n{system}\n<</SYS>>\n\n{text}" : $"{system}\n\n{text}";
            }

            prompt.Append((Format, role) switch
            {
                (ChatFormat.Llama2, "user") => $"{BeginningOfSequence}[INST] {text.Trim()} [/INST]",
                (ChatFormat.Llama2, _) => $" {text.Trim()} {EndOfSequence}",
                (ChatFormat.Mistral, "user") => $"[INST] {text} [/INST]",
                (ChatFormat.Mistral, _) => $"{text}{EndOfSequence} ",
                (_, "user") => $"<start_of_turn>user\n{text.Trim()}<end_of_turn>\n",
                _ => $"<start_of_turn>model\n{text.Trim()}<end_of_turn>\n",
            });
        }

        return addGenerationPrompt && Format == ChatFormat.Gemma ? prompt.Append("<start_of_turn>model\n").ToString() : prompt.ToString();
    }
}
