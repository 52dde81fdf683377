using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FastDraft.Text;

namespace FastDraft.Training;

/// <summary>
/// Token ids of corpus files, kept in a folder (one file per corpus file) so that a rerun or a resumed run does not
/// tokenize again. An entry is keyed by the file's full path, size and last write time and by the tokenizer's
/// fingerprint: editing a file or changing the tokenizer misses the cache; delete the folder to force a fresh start.
/// </summary>
/// <remarks>
/// Entry format: <c>"FDTOKS1\n"</c>, int32 key length + UTF-8 key, int32 count, int32[count] ids, uint32 CRC-32C of
/// everything before it; little-endian. Written to a temporary file and renamed, so an entry is whole or absent; a
/// damaged or foreign entry is a miss. Safe to use from several threads on different files.
/// </remarks>
internal sealed class TokenCache
{
    private static readonly byte[] Marker = "FDTOKS1\n"u8.ToArray();
    private readonly string _folder;
    private readonly string _tokenizer;

    public TokenCache(string folder, ITextTokenizer tokenizer)
    {
        _folder = Directory.CreateDirectory(folder).FullName;
        _tokenizer = Fingerprint(tokenizer);
    }

    /// <summary>
    /// The ids cached for the file as it is now, or <see langword="null"/>; <paramref name="key"/> is what <see cref="Set"/>
    /// stores them under (taken before the file is read, so that a file edited meanwhile is read again next time).
    /// </summary>
    public int[]? TryGet(string path, out string key)
    {
        key = Key(path);
        string entry = EntryPath(key);
        if (!File.Exists(entry))
        {
            return null;
        }

        try
        {
            byte[] bytes = File.ReadAllBytes(entry);
            ReadOnlySpan<byte> data = bytes;
            if (data.Length < Marker.Length + 12 || !data.StartsWith(Marker)
                || Crc32C.Append(0, data[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]))
            {
                return null;
            }

            int at = Marker.Length;
            int keyLength = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
            at += 4;
            if (keyLength < 0 || keyLength > data.Length - at - 8 || Encoding.UTF8.GetString(data.Slice(at, keyLength)) != key)
            {
                return null;
            }

            at += keyLength;
            int count = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
            at += 4;
            if (count < 0 || (long)count * 4 != data.Length - at - 4)
            {
                return null;
            }

            int[] ids = MemoryMarshal.Cast<byte, int>(data.Slice(at, count * 4)).ToArray();
            if (!BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.ReverseEndianness(ids, ids);
            }

            return ids;
        }
        catch (IOException)
        {
            return null; // unreadable entry: tokenize again
        }
    }

    /// <summary>Stores a file's ids under the key <see cref="TryGet"/> gave; a failure to write only costs a later run the tokenization.</summary>
    public void Set(string key, int[] ids)
    {
        byte[] keyBytes = Encoding.UTF8.GetBytes(key);
        var data = new byte[Marker.Length + 4 + keyBytes.Length + 4 + (ids.Length * 4) + 4];
        Span<byte> span = data;
        Marker.CopyTo(span);
        int at = Marker.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], keyBytes.Length);
        at += 4;
        keyBytes.CopyTo(span[at..]);
        at += keyBytes.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], ids.Length);
        at += 4;
        foreach (int id in ids)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], id);
            at += 4;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], Crc32C.Append(0, span[..at]));
        string entry = EntryPath(key);
        string temporary = entry + "." + Environment.CurrentManagedThreadId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, data);
            File.Move(temporary, entry, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do: the entry is absent, which is a miss.
            }
        }
    }

    /// <summary>
    /// What identifies a tokenizer's behaviour: its type, its vocabulary and special ids when it is a
    /// <see cref="ModelTokenizer"/>, and its ids for a probe text that exercises normalization, pre-tokenization and
    /// byte fallback. Two tokenizers that agree on all of it are taken to tokenize files alike.
    /// </summary>
    internal static string Fingerprint(ITextTokenizer tokenizer)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\u0000"));
        Add("token-cache-v1");
        Add(tokenizer.GetType().FullName ?? string.Empty);
        if (tokenizer is ModelTokenizer model)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"{model.VocabularySize};{model.BeginningOfSequenceTokenId};{model.EndOfSequenceTokenId}"));
            foreach ((string token, int id) in model.Tokens.OrderBy(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal))
            {
                Add(string.Create(CultureInfo.InvariantCulture, $"{id}={token}"));
            }
        }

        const string Probe = "def f(x):\n\treturn x  + 1\r\n\n    # Ünïcödé — ½ 日本語 🙂 \u00a0end\n<|endoftext|></s><s> 12345 don't I'm";
        Add(string.Join(',', tokenizer.Encode(Probe, addSpecialTokens: false)));
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private string Key(string path)
    {
        var info = new FileInfo(path);
        return string.Create(CultureInfo.InvariantCulture, $"{info.FullName}\n{info.Length}\n{info.LastWriteTimeUtc.Ticks}\n{_tokenizer}");
    }

    private string EntryPath(string key) =>
        Path.Combine(_folder, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16)) + ".ids");
}
