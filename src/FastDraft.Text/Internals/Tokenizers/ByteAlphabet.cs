namespace FastDraft.Text.Internals.Tokenizers;

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
