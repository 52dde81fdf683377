using System.Text.Json;
using FastDraft.Text.Jinja;
using FastDraft.Text.Internals.Tokenizers;
using Microsoft.Extensions.AI;

namespace FastDraft.Text;

/// <summary>
/// A model's own Jinja chat template (<c>chat_template</c> in <c>tokenizer_config.json</c>, or <c>chat_template.jinja</c>
/// beside it), rendered as Hugging Face transformers renders it: jinja2's immutable sandbox with <c>trim_blocks</c> and
/// <c>lstrip_blocks</c>, transformers' <c>tojson</c>, <c>raise_exception</c> and <c>strftime_now</c>, the loop controls
/// and <c>{% generation %}</c> extensions, and jinja2's default undefined.
/// </summary>
/// <remarks>
/// <para>
/// Variables: <c>messages</c>, <c>tools</c> and <c>documents</c> (<see langword="null"/>, that is <c>None</c>, when not
/// given, as transformers passes them), <c>add_generation_prompt</c>, the special tokens (<c>bos_token</c>,
/// <c>eos_token</c>…), and any extra variables (<c>enable_thinking</c>, <c>date_string</c>, <c>documents</c>…).
/// </para>
/// <para>
/// A construct the interpreter does not have (a tag such as <c>include</c>, a filter or test it lacks) is a
/// <see cref="ChatTemplateException"/> naming it and its position, never a different prompt. Immutable; rendering is
/// thread-safe.
/// </para>
/// </remarks>
public sealed class JinjaChatTemplate
{
    private readonly IReadOnlyList<JinjaStatement> _body;
    private readonly TimeProvider _clock;

    private JinjaChatTemplate(string source, IReadOnlyList<JinjaStatement> body, IReadOnlyDictionary<string, string> specialTokens, TimeProvider clock)
    {
        Source = source;
        _body = body;
        SpecialTokens = specialTokens;
        _clock = clock;
    }

    /// <summary>Gets the template text.</summary>
    public string Source { get; }

    /// <summary>Gets the special tokens the template sees as variables (<c>bos_token</c>, <c>eos_token</c>…).</summary>
    public IReadOnlyDictionary<string, string> SpecialTokens { get; }

    /// <summary>Parses a template.</summary>
    /// <param name="source">The Jinja text.</param>
    /// <param name="specialTokens">Variables such as <c>bos_token</c> and <c>eos_token</c>; <see langword="null"/> for none.</param>
    /// <param name="clock">The clock <c>strftime_now</c> reads (local time); <see langword="null"/> for the system's.</param>
    /// <returns>The template.</returns>
    /// <exception cref="ChatTemplateException">The text is not a template the interpreter can parse; the message names the problem and its position.</exception>
    public static JinjaChatTemplate Parse(string source, IReadOnlyDictionary<string, string>? specialTokens = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        IReadOnlyList<JinjaStatement> body;
        try
        {
            body = JinjaParser.Parse(source);
        }
        catch (JinjaException e)
        {
            throw Public(e);
        }

        return new JinjaChatTemplate(source, body, new Dictionary<string, string>(specialTokens ?? new Dictionary<string, string>(), StringComparer.Ordinal), clock ?? TimeProvider.System);
    }

    /// <summary>
    /// Loads the chat template of a model folder: <c>chat_template.jinja</c> when present, else <c>chat_template</c> in
    /// <c>tokenizer_config.json</c> (the one named <c>default</c>, or the first, when it is a list), with that file's
    /// special tokens.
    /// </summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="clock">The clock <c>strftime_now</c> reads; <see langword="null"/> for the system's.</param>
    /// <returns>The template, or <see langword="null"/> when the folder has none.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidModelException"><c>tokenizer_config.json</c> is malformed.</exception>
    /// <exception cref="ChatTemplateException">The template cannot be parsed.</exception>
    public static JinjaChatTemplate? Load(string folder, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Model folder '{folder}' does not exist.");
        }

        TokenizerConfig config = TokenizerConfig.Read(folder);
        return config.ChatTemplateSource is { } source ? Parse(source, config.SpecialTokens, clock) : null;
    }

    /// <summary>Renders a conversation given in the OpenAI/transformers message shape.</summary>
    /// <param name="messages">A JSON array of messages (<c>role</c>, <c>content</c> as a string or a list of parts, <c>tool_calls</c>, <c>tool_call_id</c>…).</param>
    /// <param name="tools">A JSON array of tool definitions, or <see langword="null"/> for none.</param>
    /// <param name="addGenerationPrompt">Whether to end with the opening of an assistant turn.</param>
    /// <param name="variables">A JSON object whose properties become extra template variables (<c>enable_thinking</c>, <c>documents</c>…), or <see langword="null"/>.</param>
    /// <returns>The prompt text (encode it without adding special tokens: the text holds them).</returns>
    /// <exception cref="ArgumentException"><paramref name="messages"/> is not an array, <paramref name="tools"/> not an array or <paramref name="variables"/> not an object.</exception>
    /// <exception cref="ChatTemplateException">The template refused the conversation or could not render it.</exception>
    public string Render(JsonElement messages, JsonElement? tools, bool addGenerationPrompt, JsonElement? variables)
    {
        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException("The messages must be a JSON array.", nameof(messages));
        }

        if (tools is { ValueKind: not (JsonValueKind.Array or JsonValueKind.Null) })
        {
            throw new ArgumentException("The tools must be a JSON array.", nameof(tools));
        }

        if (variables is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            throw new ArgumentException("The variables must be a JSON object.", nameof(variables));
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string name, string token) in SpecialTokens)
        {
            values[name] = token;
        }

        values["documents"] = null;
        if (variables is { ValueKind: JsonValueKind.Object } extra)
        {
            foreach (JsonProperty property in extra.EnumerateObject())
            {
                values[property.Name] = JinjaJson.FromJson(property.Value);
            }
        }

        values["messages"] = JinjaJson.FromJson(messages);
        values["tools"] = tools is { } list ? JinjaJson.FromJson(list) : null;
        values["add_generation_prompt"] = addGenerationPrompt;
        try
        {
            return new JinjaRenderer(() => _clock.GetLocalNow().DateTime).Render(_body, values);
        }
        catch (JinjaException e)
        {
            throw Public(e);
        }
    }

    /// <summary>Renders a conversation of <see cref="ChatMessage"/>s (text, function calls and function results) in the transformers message shape.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="addGenerationPrompt">Whether to end with the opening of an assistant turn.</param>
    /// <param name="tools">A JSON array of tool definitions, or <see langword="null"/> for none.</param>
    /// <param name="variables">A JSON object of extra template variables, or <see langword="null"/>.</param>
    /// <returns>The prompt text.</returns>
    /// <exception cref="ChatTemplateException">The template refused the conversation or could not render it.</exception>
    public string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt, JsonElement? tools, JsonElement? variables)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Render(ChatMessageJson.ToJson(messages), tools, addGenerationPrompt, variables);
    }

    private static ChatTemplateException Public(JinjaException e) => new(e.Message, e.Line, e.Column, e.RaisedByTemplate);
}
