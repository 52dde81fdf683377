using System.Text;
using System.Text.Json;

namespace FastDraft.ModelWriter;

/// <summary>
/// Writes a byte-level BPE tokenizer in Hugging Face's <c>tokenizer.json</c> format (as GPT-2's):
/// the 256 byte tokens, then special tokens, then whole words with a leading space, each built by a
/// chain of merges. Any text encodes (bytes are the fallback); the words make decoded text readable.
/// </summary>
public static class TokenizerWriter
{
    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into <paramref name="directory"/>.</summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="vocabularySize">The vocabulary size; words are added while they fit.</param>
    /// <param name="words">Words to give their own tokens (with a leading space), in order of preference.</param>
    /// <param name="specialTokens">Special tokens (the first is the end-of-sequence token).</param>
    /// <param name="chatTemplate">A chat template to record in <c>tokenizer_config.json</c>, if any.</param>
    /// <returns>Where the bytes, special tokens and words landed.</returns>
    public static WrittenTokenizer WriteByteLevel(string directory, int vocabularySize, IReadOnlyList<string> words, IReadOnlyList<string> specialTokens, string? chatTemplate = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(specialTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 256 + specialTokens.Count);
        Directory.CreateDirectory(directory);

        char[] alphabet = ByteAlphabet();
        var vocabulary = new List<string>(alphabet.Select(c => c.ToString()));
        var ids = vocabulary.Select((token, id) => (token, id)).ToDictionary(p => p.token, p => p.id);
        var specialIds = new List<int>();
        foreach (string special in specialTokens)
        {
            specialIds.Add(vocabulary.Count);
            ids[special] = vocabulary.Count;
            vocabulary.Add(special);
        }

        // Each word " w" is built by a chain of merges through its prefixes. Prefixes that are not words
        // themselves get ids first, whole words after them, so the words are one contiguous range.
        var merges = new List<string>();
        var prefixes = new List<string>();
        var wholeWords = new List<string>();
        var pieces = new HashSet<string>(ids.Keys);
        int room = vocabularySize - vocabulary.Count;
        foreach (string word in words)
        {
            string[] symbols = [.. Encoding.UTF8.GetBytes(" " + word).Select(b => alphabet[b].ToString())];
            string[] chain = [.. Enumerable.Range(2, symbols.Length - 1).Select(n => string.Concat(symbols[..n]))];
            string[] fresh = [.. chain.Where(p => !pieces.Contains(p))];
            if (symbols.Length < 2 || fresh.Length > room)
            {
                continue;
            }

            room -= fresh.Length;
            for (int i = 0; i < chain.Length; i++)
            {
                if (pieces.Add(chain[i]))
                {
                    merges.Add($"{(i == 0 ? symbols[0] : chain[i - 1])} {symbols[i + 1]}");
                    (i == chain.Length - 1 ? wholeWords : prefixes).Add(chain[i]);
                }
                else if (i == chain.Length - 1)
                {
                    prefixes.Remove(chain[i]); // an earlier word's prefix turns out to be a word
                    wholeWords.Add(chain[i]);
                }
            }
        }

        foreach (string piece in prefixes)
        {
            ids[piece] = vocabulary.Count;
            vocabulary.Add(piece);
        }

        int firstWord = vocabulary.Count;
        foreach (string piece in wholeWords)
        {
            ids[piece] = vocabulary.Count;
            vocabulary.Add(piece);
        }

        WriteJson(Path.Combine(directory, "tokenizer.json"), json =>
        {
            json.WriteString("version", "1.0");
            json.WriteStartArray("added_tokens");
            foreach (int id in specialIds)
            {
                json.WriteStartObject();
                json.WriteNumber("id", id);
                json.WriteString("content", vocabulary[id]);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNull("normalizer");
            WriteByteLevel(json, "pre_tokenizer");
            WriteByteLevel(json, "post_processor");
            WriteByteLevel(json, "decoder");
            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("unk_token");
            json.WriteBoolean("byte_fallback", false);
            json.WriteStartObject("vocab");
            for (int id = 0; id < vocabulary.Count; id++)
            {
                json.WriteNumber(vocabulary[id], id);
            }

            json.WriteEndObject();
            json.WriteStartArray("merges");
            merges.ForEach(json.WriteStringValue);
            json.WriteEndArray();
            json.WriteEndObject();
        });

        WriteJson(Path.Combine(directory, "tokenizer_config.json"), json =>
        {
            json.WriteBoolean("add_bos_token", false);
            if (specialTokens.Count > 0)
            {
                json.WriteString("eos_token", specialTokens[0]);
                json.WriteString("bos_token", specialTokens[0]);
            }

            if (chatTemplate is not null)
            {
                json.WriteString("chat_template", chatTemplate);
            }
        });

        return new WrittenTokenizer(vocabulary.Count, specialIds, firstWord);
    }

    private static void WriteByteLevel(Utf8JsonWriter json, string name)
    {
        json.WriteStartObject(name);
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", true);
        json.WriteBoolean("use_regex", true);
        json.WriteEndObject();
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using FileStream file = File.Create(path);
        using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        body(json);
        json.WriteEndObject();
    }

    /// <summary>GPT-2's printable stand-ins for the 256 bytes.</summary>
    private static char[] ByteAlphabet()
    {
        var map = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++)
        {
            map[b] = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF) ? (char)b : (char)(256 + extra++);
        }

        return map;
    }
}
