using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FastDraft.Text;

/// <summary>
/// Splits a reply, as it streams, into text and tool calls: text before a call passes through at once, text that may be
/// the start of a call's markup is held back, and from the first call's markup on everything is held to the end of the
/// reply, where it is parsed. Markup that does not parse as calls is given back as text, unchanged.
/// </summary>
/// <remarks>One per reply; not thread-safe.</remarks>
internal sealed class ToolCallParser(ToolCallSyntax syntax)
{
    private readonly string _open = ToolCallMarkers.Open(syntax);
    private readonly StringBuilder _pending = new();
    private bool _holding;
    private bool _started;

    /// <summary>Takes the next piece of the reply.</summary>
    /// <returns>The text that can be shown now; empty while a possible call is held back.</returns>
    public string Append(string text)
    {
        if (syntax == ToolCallSyntax.None)
        {
            return text;
        }

        _pending.Append(text);
        if (_holding)
        {
            return string.Empty;
        }

        string pending = _pending.ToString();
        if (syntax == ToolCallSyntax.Llama3Json && !_started)
        {
            // Llama 3 writes a call as the whole reply: a reply that opens with '{' is held (leading whitespace with it).
            int first = ToolCallJson.SkipWhitespace(pending, 0);
            if (first == pending.Length)
            {
                return string.Empty;
            }

            _started = true;
            if (pending[first] == '{')
            {
                _holding = true;
                return string.Empty;
            }
        }

        int at = pending.IndexOf(_open, StringComparison.Ordinal);
        int emit = at >= 0 ? at : pending.Length - PartialOpen(pending);
        _holding = at >= 0;
        _pending.Remove(0, emit);
        return pending[..emit];
    }

    /// <summary>Ends the reply: parses what was held back.</summary>
    /// <returns>The text still to show before the calls, the calls (none when the markup was malformed), and the text after them.</returns>
    public (string Text, IReadOnlyList<FunctionCallContent> Calls, string After) Finish()
    {
        string held = _pending.ToString();
        _pending.Clear();
        if (!_holding)
        {
            return (held, [], string.Empty);
        }

        var calls = new List<FunctionCallContent>();
        int position = 0;
        int end = 0;
        while (true)
        {
            position = ToolCallJson.SkipWhitespace(held, end);
            if (position == held.Length || (calls.Count > 0 && !OpensCall(held, position)))
            {
                break;
            }

            if (!ReadCall(held, ref position, calls))
            {
                return (held, [], string.Empty); // malformed: the markup stays text
            }

            end = position;
        }

        // Text after the calls is kept as written, unless it is only whitespace.
        return (string.Empty, calls, position == held.Length ? string.Empty : held[end..]);
    }

    private bool OpensCall(string text, int position) =>
        string.CompareOrdinal(text, position, _open, 0, _open.Length) == 0 || (syntax == ToolCallSyntax.Llama3Json && text[position] == '{');

    /// <summary>Reads one block of calls (one opening marker and what it holds) at a position that is not whitespace.</summary>
    private bool ReadCall(string text, ref int position, List<FunctionCallContent> calls)
    {
        bool opened = string.CompareOrdinal(text, position, _open, 0, _open.Length) == 0;
        if (opened)
        {
            position += _open.Length;
        }
        else if (syntax != ToolCallSyntax.Llama3Json)
        {
            return false;
        }

        if (syntax == ToolCallSyntax.Mistral && ToolCallJson.SkipWhitespace(text, position) is int next && next < text.Length && text[next] is not ('[' or '{'))
        {
            // v11: [TOOL_CALLS]name[ARGS]{…}
            int args = text.IndexOf(ToolCallMarkers.MistralArgs, next, StringComparison.Ordinal);
            if (args < 0)
            {
                return false;
            }

            string name = text[next..args].Trim();
            position = args + ToolCallMarkers.MistralArgs.Length;
            return name.Length > 0 && ToolCallJson.ReadValue(text, ref position) is { } arguments && ToolCallJson.TryCall(arguments, name, calls);
        }

        if (ToolCallJson.ReadValue(text, ref position) is not { } value)
        {
            return false;
        }

        bool added = syntax is ToolCallSyntax.Hermes or ToolCallSyntax.Llama3Json
            ? value.ValueKind == JsonValueKind.Object && ToolCallJson.TryCall(value, null, calls)
            : ToolCallJson.AddCalls(value, calls);
        if (!added)
        {
            return false;
        }

        string? close = syntax switch
        {
            ToolCallSyntax.Hermes => ToolCallMarkers.HermesClose,
            ToolCallSyntax.ToolCallList => ToolCallMarkers.ListClose,
            ToolCallSyntax.Llama3Json => ";",
            _ => null,
        };
        int after = ToolCallJson.SkipWhitespace(text, position);
        if (close is not null && string.CompareOrdinal(text, after, close, 0, close.Length) == 0)
        {
            position = after + close.Length;
        }

        return true;
    }

    /// <summary>The length of the longest end of the text that is the start of the opening marker.</summary>
    private int PartialOpen(string text)
    {
        for (int length = Math.Min(_open.Length - 1, text.Length); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(_open.AsSpan(0, length)))
            {
                return length;
            }
        }

        return 0;
    }
}
