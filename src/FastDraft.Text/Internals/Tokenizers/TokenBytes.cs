using System.Globalization;
using System.Text;

namespace FastDraft.Text.Internals.Tokenizers;

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
