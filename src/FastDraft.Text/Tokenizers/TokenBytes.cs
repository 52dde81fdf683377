using System.Globalization;
using System.Text;

namespace FastDraft.Text.Tokenizers;

/// <summary>
/// The decoding side of a tokenizer: each token's bytes, and which tokens are special (left out of
/// text). Decoding is then a concatenation of bytes followed by UTF-8 decoding, which is what makes
/// streaming exact: a stateful UTF-8 decoder fed the same bytes gives the same text.
/// </summary>
/// <remarks>
/// Byte-level vocabularies map each character back through GPT-2's byte alphabet (a token with a
/// character outside it, such as an added token of real spaces, is its own UTF-8). SentencePiece
/// vocabularies turn ▁ into a space and &lt;0xNN&gt; pieces into the byte NN; the space SentencePiece puts
/// before a word is dropped from the first piece after a special token, as ONNX Runtime GenAI does.
/// </remarks>
internal sealed class TokenBytes
{
    private readonly byte[][] _bytes;
    private readonly bool[] _special;

    private TokenBytes(byte[][] bytes, bool[] special, bool dropSpaceAfterSpecial)
    {
        _bytes = bytes;
        _special = special;
        DropSpaceAfterSpecial = dropSpaceAfterSpecial;
    }

    public int Count => _bytes.Length;

    public bool DropSpaceAfterSpecial { get; }

    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    public ReadOnlySpan<byte> this[int id] => (uint)id < (uint)_bytes.Length ? _bytes[id] : [];

    /// <summary>Builds the table from token strings by id (null for unused ids).</summary>
    public static TokenBytes Create(string?[] tokens, ISet<int> special, bool byteLevel, string spaceMarker)
    {
        var bytes = new byte[tokens.Length][];
        var isSpecial = new bool[tokens.Length];
        Dictionary<char, byte>? alphabet = byteLevel ? ByteAlphabet.Inverse : null;
        for (int id = 0; id < tokens.Length; id++)
        {
            string token = tokens[id] ?? string.Empty;
            isSpecial[id] = special.Contains(id);
            bytes[id] = alphabet is not null ? FromByteLevel(token, alphabet)
                : IsBytePiece(token, out byte value) ? [value]
                : Encoding.UTF8.GetBytes(token.Replace(spaceMarker, " ", StringComparison.Ordinal));
        }

        return new TokenBytes(bytes, isSpecial, dropSpaceAfterSpecial: !byteLevel);
    }

    /// <summary>Whether the token is a SentencePiece byte piece such as &lt;0x0A&gt;.</summary>
    public static bool IsBytePiece(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }

    private static byte[] FromByteLevel(string token, Dictionary<char, byte> alphabet)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!alphabet.TryGetValue(token[i], out bytes[i]))
            {
                return Encoding.UTF8.GetBytes(token);
            }
        }

        return bytes;
    }
}

/// <summary>GPT-2's reversible map between bytes and printable characters, used by byte-level BPE.</summary>
internal static class ByteAlphabet
{
    public static readonly char[] Forward = Build();

    public static readonly Dictionary<char, byte> Inverse = Forward.Select((c, b) => (c, (byte)b)).ToDictionary(p => p.c, p => p.Item2);

    private static char[] Build()
    {
        var map = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + extra++);
        }

        return map;
    }
}

/// <summary>Streams token ids into text: bytes per token, through a stateful UTF-8 decoder.</summary>
internal sealed class TokenStreamDecoder(TokenBytes table) : IStreamingDecoder
{
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly char[] _chars = new char[64];
    private bool _afterSpecial;

    public string Append(int id)
    {
        if (table.IsSpecial(id))
        {
            _afterSpecial = true;
            return string.Empty;
        }

        ReadOnlySpan<byte> bytes = table[id];
        if (_afterSpecial && table.DropSpaceAfterSpecial && bytes.Length > 0 && bytes[0] == (byte)' ')
        {
            bytes = bytes[1..];
        }

        _afterSpecial = false;
        return Convert(bytes, flush: false);
    }

    public string Flush() => Convert([], flush: true);

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        int count = _utf8.GetCharCount(bytes, flush);
        Span<char> chars = count <= _chars.Length ? _chars.AsSpan(0, count) : new char[count];
        _utf8.GetChars(bytes, chars, flush);
        return count == 0 ? string.Empty : new string(chars);
    }
}
