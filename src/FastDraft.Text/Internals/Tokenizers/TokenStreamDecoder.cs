using System.Text;

namespace FastDraft.Text.Internals.Tokenizers;

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
