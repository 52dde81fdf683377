using System.Globalization;
using System.Text;

namespace FastDraft.Text.Jinja;

/// <summary>Number and string literals, read as jinja2 reads them.</summary>
internal sealed partial class JinjaLexer
{
    private int LexNumber(int i)
    {
        int j = i;
        while (j < _source.Length && (char.IsAsciiDigit(_source[j]) || (_source[j] == '_' && j + 1 < _source.Length && char.IsAsciiDigit(_source[j + 1]))))
        {
            j++;
        }

        bool isFloat = false;
        if (j + 1 < _source.Length && _source[j] == '.' && char.IsAsciiDigit(_source[j + 1]))
        {
            isFloat = true;
            j++;
            while (j < _source.Length && (char.IsAsciiDigit(_source[j]) || _source[j] == '_'))
            {
                j++;
            }
        }

        if (j < _source.Length && _source[j] is 'e' or 'E')
        {
            int k = j + 1;
            if (k < _source.Length && _source[k] is '+' or '-')
            {
                k++;
            }

            if (k < _source.Length && char.IsAsciiDigit(_source[k]))
            {
                isFloat = true;
                j = k;
                while (j < _source.Length && char.IsAsciiDigit(_source[j]))
                {
                    j++;
                }
            }
        }

        Add(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, _source[i..j].Replace("_", string.Empty, StringComparison.Ordinal), i);
        return j;
    }

    /// <summary>A string literal, unescaped as Python's <c>unicode-escape</c> codec does (jinja2's rule).</summary>
    private int LexString(int i)
    {
        char quote = _source[i];
        var value = new StringBuilder();
        int j = i + 1;
        while (true)
        {
            if (j >= _source.Length)
            {
                throw Error("unexpected end of string", i);
            }

            char c = _source[j];
            if (c == quote)
            {
                Add(JinjaTokenKind.String, value.ToString(), i);
                return j + 1;
            }

            if (c != '\\' || j + 1 >= _source.Length)
            {
                value.Append(c);
                j++;
                continue;
            }

            char e = _source[j + 1];
            j += 2;
            switch (e)
            {
                case '\n': break;
                case '\\': value.Append('\\'); break;
                case '\'': value.Append('\''); break;
                case '"': value.Append('"'); break;
                case 'a': value.Append('\a'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'n': value.Append('\n'); break;
                case 'r': value.Append('\r'); break;
                case 't': value.Append('\t'); break;
                case 'v': value.Append('\v'); break;
                case 'x': j = Hex(value, j, 2, i); break;
                case 'u': j = Hex(value, j, 4, i); break;
                case 'U': j = Hex(value, j, 8, i); break;
                case >= '0' and <= '7':
                    int code = e - '0';
                    for (int n = 0; n < 2 && j < _source.Length && _source[j] is >= '0' and <= '7'; n++, j++)
                    {
                        code = (code * 8) + (_source[j] - '0');
                    }

                    value.Append((char)code);
                    break;
                default: value.Append('\\').Append(e); break;
            }
        }
    }

    private int Hex(StringBuilder value, int j, int digits, int start)
    {
        if (j + digits > _source.Length || !int.TryParse(_source.AsSpan(j, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
        {
            throw Error("truncated \\x, \\u or \\U escape in a string literal", start);
        }

        value.Append(char.ConvertFromUtf32(code));
        return j + digits;
    }
}
