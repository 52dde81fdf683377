using System.Globalization;
using System.Text;

namespace FastDraft.Text.Jinja;

/// <summary>Python's text conventions that templates can observe: float and string <c>repr</c>, whitespace, <c>strftime</c>.</summary>
internal static class PythonText
{
    /// <summary>The characters Python's <c>str.strip()</c> removes (Unicode whitespace).</summary>
    public static readonly char[] Whitespace = [.. Enumerable.Range(0, 0x3001).Select(i => (char)i).Where(IsPythonSpace)];

    private static readonly string[] Months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    private static bool IsPythonSpace(char c) => c is '\x1c' or '\x1d' or '\x1e' or '\x1f' || (char.IsWhiteSpace(c) && c != '\u180e');

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, exponent form below 1e-4 and from 1e16.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);

        // Digits and decimal exponent from the shortest round-trip form.
        int e = shortest.IndexOfAny(['E', 'e']);
        string mantissa = e >= 0 ? shortest[..e] : shortest;
        int exponent = e >= 0 ? int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        int dot = mantissa.IndexOf('.');
        string digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        int point = (dot >= 0 ? dot : mantissa.Length) + exponent;
        int leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        point -= leading;
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var text = new StringBuilder(value < 0 ? "-" : string.Empty);
        int decimalExponent = point - 1;
        if (decimalExponent is < -4 or >= 16)
        {
            text.Append(digits[0]);
            if (digits.Length > 1)
            {
                text.Append('.').Append(digits, 1, digits.Length - 1);
            }

            text.Append('e').Append(decimalExponent < 0 ? '-' : '+').Append(Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (point <= 0)
        {
            text.Append("0.").Append('0', -point).Append(digits);
        }
        else if (point >= digits.Length)
        {
            text.Append(digits).Append('0', point - digits.Length).Append(".0");
        }
        else
        {
            text.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
        }

        return text.ToString();
    }

    /// <summary>Python's <c>repr(str)</c>.</summary>
    public static string StringRepr(string value)
    {
        char quote = value.Contains('\'', StringComparison.Ordinal) && !value.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var text = new StringBuilder().Append(quote);
        foreach (Rune rune in value.EnumerateRunes())
        {
            int c = rune.Value;
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        text.Append('\\').Append(quote);
                    }
                    else if (IsPrintable(rune))
                    {
                        text.Append(rune.ToString());
                    }
                    else
                    {
                        text.Append(c switch
                        {
                            < 0x100 => $"\\x{c:x2}",
                            < 0x10000 => $"\\u{c:x4}",
                            _ => $"\\U{c:x8}",
                        });
                    }

                    break;
            }
        }

        return text.Append(quote).ToString();
    }

    private static bool IsPrintable(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.SpaceSeparator => false,
        _ => true,
    };

    /// <summary>Python's <c>datetime.strftime</c> in the C locale, for the directives chat templates use.</summary>
    public static string Strftime(DateTime time, string format)
    {
        var text = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                text.Append(format[i]);
                continue;
            }

            char directive = format[++i];
            bool noPad = directive == '-' && i + 1 < format.Length;
            if (noPad)
            {
                directive = format[++i];
            }

            string Pad(int value, int width) => noPad ? value.ToString(CultureInfo.InvariantCulture) : value.ToString(new string('0', width), CultureInfo.InvariantCulture);
            text.Append(directive switch
            {
                'Y' => time.Year.ToString(CultureInfo.InvariantCulture),
                'y' => Pad(time.Year % 100, 2),
                'm' => Pad(time.Month, 2),
                'd' => Pad(time.Day, 2),
                'e' => time.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                'H' => Pad(time.Hour, 2),
                'I' => Pad(time.Hour % 12 == 0 ? 12 : time.Hour % 12, 2),
                'M' => Pad(time.Minute, 2),
                'S' => Pad(time.Second, 2),
                'f' => (time.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'j' => Pad(time.DayOfYear, 3),
                'b' or 'h' => Months[time.Month - 1][..3],
                'B' => Months[time.Month - 1],
                'a' => Days[(int)time.DayOfWeek][..3],
                'A' => Days[(int)time.DayOfWeek],
                'w' => ((int)time.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                'u' => (time.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)time.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                'F' => time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                'T' => time.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                'z' or 'Z' => string.Empty,
                '%' => "%",
                _ => throw new JinjaException($"strftime_now: the format directive '%{directive}' is not supported."),
            });
        }

        return text.ToString();
    }
}
