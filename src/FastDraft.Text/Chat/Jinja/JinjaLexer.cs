namespace FastDraft.Text.Jinja;

/// <summary>
/// Splits a template into tokens as jinja2's lexer does with transformers' settings: <c>trim_blocks</c> (the first
/// newline after a block or comment tag is removed), <c>lstrip_blocks</c> (spaces and tabs before a block or comment tag
/// that starts a line are removed), <c>-</c>/<c>+</c> whitespace control, newlines normalised to <c>\n</c> and one
/// trailing newline dropped (<c>keep_trailing_newline=False</c>).
/// </summary>
internal sealed partial class JinjaLexer
{
    private static readonly string[] Operators = ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];

    private readonly string _source;
    private readonly List<JinjaToken> _tokens = [];
    private readonly int[] _lineStarts;
    private int _pos;
    private bool _lineStarting = true;

    private JinjaLexer(string source)
    {
        _source = source;
        var starts = new List<int> { 0 };
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    public static List<JinjaToken> Tokenize(string source)
    {
        string normalized = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (normalized.EndsWith('\n'))
        {
            normalized = normalized[..^1];
        }

        var lexer = new JinjaLexer(normalized);
        lexer.Run();
        return lexer._tokens;
    }

    private (int Line, int Column) Where(int offset)
    {
        int index = Array.BinarySearch(_lineStarts, offset);
        int line = index >= 0 ? index : ~index - 1;
        return (line + 1, offset - _lineStarts[line] + 1);
    }

    private void Add(JinjaTokenKind kind, string text, int offset)
    {
        (int line, int column) = Where(offset);
        _tokens.Add(new JinjaToken(kind, text, line, column));
    }

    private JinjaException Error(string message, int offset)
    {
        (int line, int column) = Where(offset);
        return new JinjaException(message, line, column);
    }

    private void Run()
    {
        while (_pos < _source.Length)
        {
            int tag = NextTag(_pos);
            if (tag < 0)
            {
                Add(JinjaTokenKind.Data, _source[_pos..], _pos);
                break;
            }

            char kind = _source[tag + 1];
            char sign = tag + 2 < _source.Length && _source[tag + 2] is '-' or '+' ? _source[tag + 2] : '\0';
            string text = _source[_pos..tag];
            int rawBodyStart = 0;
            bool raw = kind == '%' && IsRawBegin(tag, out rawBodyStart);
            if (sign == '-')
            {
                text = text.TrimEnd(PythonText.Whitespace);
            }
            else if (sign != '+' && kind != '{')
            {
                // lstrip_blocks: only whitespace between the line start and a block or comment tag is removed.
                int lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || _lineStarting) && lineStart < text.Length && IsBlank(text.AsSpan(lineStart)))
                {
                    text = text[..lineStart];
                }
            }

            if (text.Length > 0)
            {
                Add(JinjaTokenKind.Data, text, _pos);
            }

            _lineStarting = false;
            if (raw)
            {
                LexRaw(rawBodyStart);
            }
            else if (kind == '#')
            {
                LexComment(tag + 2 + (sign == '\0' ? 0 : 1));
            }
            else
            {
                LexTag(tag, kind == '{');
            }
        }

        Add(JinjaTokenKind.End, string.Empty, _source.Length);
    }

    private static bool IsBlank(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        return true;
    }

    private int NextTag(int from)
    {
        for (int i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
        {
            if (_source[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    private bool IsRawBegin(int tag, out int bodyStart)
    {
        int i = tag + 2;
        if (i < _source.Length && _source[i] is '-' or '+')
        {
            i++;
        }

        i = SkipSpace(i);
        bodyStart = 0;
        if (string.CompareOrdinal(_source, i, "raw", 0, 3) != 0)
        {
            return false;
        }

        i = SkipSpace(i + 3);
        if (string.CompareOrdinal(_source, i, "-%}", 0, 3) == 0)
        {
            bodyStart = SkipSpace(i + 3);
            return true;
        }

        bodyStart = i + 2;
        return string.CompareOrdinal(_source, i, "%}", 0, 2) == 0;
    }

    private int SkipSpace(int i)
    {
        while (i < _source.Length && char.IsWhiteSpace(_source[i]))
        {
            i++;
        }

        return i;
    }

    private void LexRaw(int bodyStart)
    {
        for (int i = _source.IndexOf("{%", bodyStart, StringComparison.Ordinal); i >= 0; i = _source.IndexOf("{%", i + 2, StringComparison.Ordinal))
        {
            int j = i + 2;
            char sign = j < _source.Length && _source[j] is '-' or '+' ? _source[j++] : '\0';
            j = SkipSpace(j);
            if (string.CompareOrdinal(_source, j, "endraw", 0, 6) != 0)
            {
                continue;
            }

            j = SkipSpace(j + 6);
            string body = _source[bodyStart..i];
            if (sign == '-')
            {
                body = body.TrimEnd(PythonText.Whitespace);
            }
            else if (sign != '+')
            {
                int lineStart = body.LastIndexOf('\n') + 1;
                if (lineStart < body.Length && IsBlank(body.AsSpan(lineStart)))
                {
                    body = body[..lineStart];
                }
            }

            if (body.Length > 0)
            {
                Add(JinjaTokenKind.Data, body, bodyStart);
            }

            _pos = EndOfBlock(j) is int end and >= 0 ? end : throw Error("Missing end of raw directive", i);
            return;
        }

        throw Error("Missing end of raw directive", bodyStart);
    }

    /// <summary>Matches a block end (<c>+%}</c>, <c>-%}</c> and following whitespace, or <c>%}</c> and one newline) at <paramref name="i"/>.</summary>
    private int EndOfBlock(int i)
    {
        if (string.CompareOrdinal(_source, i, "+%}", 0, 3) == 0)
        {
            _lineStarting = false;
            return i + 3;
        }

        if (string.CompareOrdinal(_source, i, "-%}", 0, 3) == 0)
        {
            return AfterStrip(i + 3);
        }

        if (string.CompareOrdinal(_source, i, "%}", 0, 2) == 0)
        {
            return AfterTrim(i + 2);
        }

        return -1;
    }

    private int AfterStrip(int i)
    {
        int end = SkipSpace(i);
        _lineStarting = end > i && _source[end - 1] == '\n';
        return end;
    }

    private int NotLineStart(int i)
    {
        _lineStarting = false;
        return i;
    }

    private int AfterTrim(int i)
    {
        bool newline = i < _source.Length && _source[i] == '\n';
        _lineStarting = newline;
        return newline ? i + 1 : i;
    }

    private void LexComment(int from)
    {
        int end = _source.IndexOf("#}", from, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Error("Missing end of comment tag", from);
        }

        _pos = _source[end - 1] switch
        {
            '-' when end - 1 >= from => AfterStrip(end + 2),
            '+' when end - 1 >= from => NotLineStart(end + 2),
            _ => AfterTrim(end + 2),
        };
    }

    private void LexTag(int tag, bool variable)
    {
        Add(variable ? JinjaTokenKind.VariableBegin : JinjaTokenKind.BlockBegin, variable ? "{{" : "{%", tag);
        int i = tag + 2 + (tag + 2 < _source.Length && _source[tag + 2] is '-' or '+' ? 1 : 0);
        var balance = new Stack<char>();
        while (true)
        {
            i = SkipSpace(i);
            if (i >= _source.Length)
            {
                throw Error($"unexpected end of template, expected '{(variable ? "}}" : "%}")}'", tag);
            }

            if (balance.Count == 0)
            {
                int end = variable ? EndOfVariable(i) : EndOfBlock(i);
                if (end >= 0)
                {
                    Add(variable ? JinjaTokenKind.VariableEnd : JinjaTokenKind.BlockEnd, variable ? "}}" : "%}", i);
                    _pos = end;
                    return;
                }
            }

            i = LexToken(i, balance);
        }
    }

    private int EndOfVariable(int i)
    {
        if (string.CompareOrdinal(_source, i, "-}}", 0, 3) == 0)
        {
            return AfterStrip(i + 3);
        }

        if (string.CompareOrdinal(_source, i, "}}", 0, 2) == 0)
        {
            _lineStarting = false;
            return i + 2;
        }

        return -1;
    }

    private int LexToken(int i, Stack<char> balance)
    {
        char c = _source[i];
        if (c is '\'' or '"')
        {
            return LexString(i);
        }

        if (char.IsAsciiDigit(c))
        {
            return LexNumber(i);
        }

        if (char.IsLetter(c) || c == '_')
        {
            int j = i + 1;
            while (j < _source.Length && (char.IsLetterOrDigit(_source[j]) || _source[j] == '_'))
            {
                j++;
            }

            Add(JinjaTokenKind.Name, _source[i..j], i);
            return j;
        }

        foreach (string op in Operators)
        {
            if (string.CompareOrdinal(_source, i, op, 0, op.Length) == 0)
            {
                Balance(op, balance, i);
                Add(JinjaTokenKind.Operator, op, i);
                return i + op.Length;
            }
        }

        throw Error($"unexpected char '{c}'", i);
    }

    private void Balance(string op, Stack<char> balance, int offset)
    {
        switch (op)
        {
            case "(": balance.Push(')'); break;
            case "[": balance.Push(']'); break;
            case "{": balance.Push('}'); break;
            case ")" or "]" or "}":
                if (balance.Count == 0)
                {
                    throw Error($"unexpected '{op}'", offset);
                }

                char expected = balance.Pop();
                if (expected != op[0])
                {
                    throw Error($"unexpected '{op}', expected '{expected}'", offset);
                }

                break;
        }
    }
}
