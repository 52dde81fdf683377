using System.Text;

namespace FastDraft.Tests.Onnx;

/// <summary>
/// Seeded mutations of configuration files (JSON) and ONNX files (protocol buffers): the same seed
/// always gives the same bytes and the same description, so a failing case can be replayed alone.
/// </summary>
internal static class ConfigMutators
{
    /// <summary>JSON values chosen to hit edges: wrong types, signs, overflow, paths, patterns, nesting.</summary>
    private static readonly string[] JsonValues =
    [
        "-1", "0", "1", "3", "96", "97", "2147483647", "2147483648", "-2147483649", "1e309", "-0", "1.5", "1e3", "99999999999999999999",
        "\"\"", "\"x\"", "\"%d\"", "\"%d%d\"", "\"past_%d\"", "\"present.%d.key\"", "\"present.%d.value\"", "\"past_key_values.%d.key\"",
        "\"../../model.onnx\"", "\"/dev/zero\"", "\"model.onnx\"", "\".\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\\"\"",
        "null", "true", "false", "[]", "{}", "[1,2,3]", "[-1]", "[96]", "[\"a\"]", "[null]", "{\"a\":1}", "{\"decoder\":{}}",
        new string('[', 70) + new string(']', 70), "100000", "4096", "1025",
    ];

    private static readonly byte[] JsonBytes = "{}[]\":,\\0-e. \n"u8.ToArray().Concat(new byte[] { 0x00, 0xFF, 0xC3, 0x80, 0xED, 0xA0 }).ToArray();

    private static readonly byte[][] InvalidUtf8 = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF0, 0x28, 0x8C, 0x28], [0xC0, 0xAF], [0x80]];

    /// <summary>Applies one to three mutations to a JSON file's bytes.</summary>
    public static byte[] MutateJson(byte[] source, Random random, StringBuilder description)
    {
        byte[] bytes = source;
        int count = random.Next(1, 4);
        for (int m = 0; m < count; m++)
        {
            int kind = random.Next(9);
            int at = random.Next(bytes.Length + 1);
            switch (kind)
            {
                case 0:
                    bytes = FlipBit(bytes, random, description);
                    break;
                case 1:
                    bytes = SetByte(bytes, Math.Min(at, bytes.Length - 1), JsonBytes[random.Next(JsonBytes.Length)], description);
                    break;
                case 2:
                    bytes = Delete(bytes, at, random.Next(1, 17), description);
                    break;
                case 3:
                    bytes = Insert(bytes, at, RandomBytes(random, random.Next(1, 9)), description);
                    break;
                case 4:
                    bytes = Truncate(bytes, at, description);
                    break;
                case 5:
                case 6:
                    bytes = ReplaceValue(bytes, random, description);
                    break;
                case 7:
                    int quote = IndexOfNth(bytes, (byte)'"', random);
                    bytes = Insert(bytes, quote < 0 ? at : quote + 1, InvalidUtf8[random.Next(InvalidUtf8.Length)], description);
                    break;
                default:
                    int length = random.Next(1, 33);
                    int from = random.Next(Math.Max(1, bytes.Length - length));
                    bytes = Insert(bytes, at, bytes.AsSpan(from, Math.Min(length, bytes.Length - from)).ToArray(), description.Append("duplicate ").Append(from).Append(' '));
                    break;
            }
        }

        return bytes;
    }

    /// <summary>Applies one to three mutations to an ONNX file's bytes: flips, truncation, insertions, varint garbage.</summary>
    public static byte[] MutateProto(byte[] source, Random random, StringBuilder description)
    {
        byte[] bytes = source;
        int count = random.Next(1, 4);
        for (int m = 0; m < count; m++)
        {
            int at = random.Next(bytes.Length + 1);
            switch (random.Next(8))
            {
                case 0:
                case 1:
                    bytes = FlipBit(bytes, random, description);
                    break;
                case 2:
                    bytes = SetByte(bytes, Math.Min(at, bytes.Length - 1), (byte)random.Next(256), description);
                    break;
                case 3:
                    bytes = Truncate(bytes, at, description);
                    break;
                case 4:
                    bytes = Insert(bytes, at, RandomBytes(random, random.Next(1, 9)), description);
                    break;
                case 5:
                    // A varint that never ends, or ends after ten bytes with a huge value.
                    byte[] garbage = Enumerable.Repeat((byte)0xFF, random.Next(1, 13)).Append((byte)random.Next(0x80)).ToArray();
                    bytes = Overwrite(bytes, at, garbage, description);
                    break;
                case 6:
                    bytes = Delete(bytes, at, random.Next(1, 9), description);
                    break;
                default:
                    // A plausible field key with a wire type or field number the reader must survive.
                    bytes = Insert(bytes, at, [(byte)((random.Next(1, 16) << 3) | random.Next(8)), (byte)random.Next(256)], description);
                    break;
            }
        }

        return bytes;
    }

    private static byte[] FlipBit(byte[] bytes, Random random, StringBuilder description)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        int at = random.Next(bytes.Length);
        int bit = random.Next(8);
        description.Append("flip ").Append(at).Append('.').Append(bit).Append(' ');
        byte[] copy = [.. bytes];
        copy[at] ^= (byte)(1 << bit);
        return copy;
    }

    private static byte[] SetByte(byte[] bytes, int at, byte value, StringBuilder description)
    {
        if (at < 0)
        {
            return bytes;
        }

        description.Append("set ").Append(at).Append("=0x").Append(value.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
        byte[] copy = [.. bytes];
        copy[at] = value;
        return copy;
    }

    private static byte[] Delete(byte[] bytes, int at, int length, StringBuilder description)
    {
        length = Math.Min(length, bytes.Length - at);
        description.Append("delete ").Append(at).Append('+').Append(length).Append(' ');
        return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + length)];
    }

    private static byte[] Insert(byte[] bytes, int at, byte[] inserted, StringBuilder description)
    {
        description.Append("insert ").Append(at).Append(':').Append(Convert.ToHexString(inserted)).Append(' ');
        return [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)];
    }

    private static byte[] Overwrite(byte[] bytes, int at, byte[] written, StringBuilder description)
    {
        description.Append("overwrite ").Append(at).Append(':').Append(Convert.ToHexString(written)).Append(' ');
        byte[] copy = [.. bytes.AsSpan(0, at), .. written, .. bytes.AsSpan(Math.Min(bytes.Length, at + written.Length))];
        return copy;
    }

    private static byte[] Truncate(byte[] bytes, int at, StringBuilder description)
    {
        description.Append("truncate ").Append(at).Append(' ');
        return bytes[..at];
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static int IndexOfNth(byte[] bytes, byte value, Random random)
    {
        int total = bytes.Count(b => b == value);
        if (total == 0)
        {
            return -1;
        }

        int wanted = random.Next(total);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == value && wanted-- == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Replaces the value after a random key (scalar, or a whole object or array) with an edge value.</summary>
    private static byte[] ReplaceValue(byte[] bytes, Random random, StringBuilder description)
    {
        int colon = IndexOfNth(bytes, (byte)':', random);
        if (colon < 0)
        {
            return bytes;
        }

        int start = colon + 1;
        while (start < bytes.Length && bytes[start] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            start++;
        }

        int end = ValueEnd(bytes, start);
        string value = JsonValues[random.Next(JsonValues.Length)];
        description.Append("value ").Append(start).Append("..").Append(end).Append('=').Append(value.Length > 20 ? value[..20] + "…" : value).Append(' ');
        return [.. bytes.AsSpan(0, start), .. Encoding.UTF8.GetBytes(value), .. bytes.AsSpan(end)];
    }

    private static int ValueEnd(byte[] bytes, int start)
    {
        int depth = 0;
        bool inString = false;
        for (int i = start; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (inString)
            {
                if (b == '\\')
                {
                    i++;
                }
                else if (b == '"')
                {
                    inString = false;
                    if (depth == 0)
                    {
                        return i + 1;
                    }
                }

                continue;
            }

            switch (b)
            {
                case (byte)'"':
                    inString = true;
                    break;
                case (byte)'{' or (byte)'[':
                    depth++;
                    break;
                case (byte)'}' or (byte)']':
                    if (depth == 0)
                    {
                        return i;
                    }

                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
                case (byte)',' when depth == 0:
                    return i;
            }
        }

        return bytes.Length;
    }
}
