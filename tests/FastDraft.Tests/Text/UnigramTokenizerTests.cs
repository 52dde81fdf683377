using System.Text.Json;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text;

/// <summary>
/// A Unigram <c>tokenizer.json</c> (read through Microsoft.ML.Tokenizers 3.0) loads, encodes to the segmentation of highest
/// total score, and decodes back to its text. The expected ids come from a brute-force search over every segmentation of
/// the test's own reading of the file, not from the library.
/// </summary>
public sealed class UnigramTokenizerTests
{
    private static readonly string Folder = Path.Combine(RepositoryRoot.Find(), "tests", "FastDraft.Tests", "Text", "Data", "unigram");

    [Theory]
    [InlineData("the thing")]
    [InlineData("a thin sing")]
    [InlineData("sing in the tea")]
    [InlineData("ten ate at the inn")]
    [InlineData("thinning")]
    public void Encode_UnigramTokenizerJson_GivesTheBestScoringSegmentation(string text)
    {
        ModelTokenizer tokenizer = ModelTokenizer.Load(Folder);

        int[] expected = BestSegmentation(text);

        Assert.Equal(expected, tokenizer.Encode(text, addSpecialTokens: false));
    }

    [Theory]
    [InlineData("the thing")]
    [InlineData("a thin sing")]
    [InlineData("sing in the tea")]
    [InlineData("ten ate at the inn")]
    public void Decode_UnigramEncoding_RoundTrips(string text)
    {
        ModelTokenizer tokenizer = ModelTokenizer.Load(Folder);

        IReadOnlyList<int> ids = tokenizer.Encode(text, addSpecialTokens: false);

        // After a special token the first piece's "▁" is the text's start; without one it is a space, so that a
        // continuation's pieces concatenate (as for every SentencePiece-style tokenizer here).
        int start = tokenizer.Tokens["<s>"];
        Assert.Equal(text, tokenizer.Decode([start, .. ids]));
        Assert.Equal(" " + text, tokenizer.Decode([.. ids]));
        IStreamingDecoder stream = tokenizer.CreateStreamingDecoder();
        Assert.Equal(text, string.Concat(new[] { start }.Concat(ids).Select(stream.Append)) + stream.Flush());
    }

    [Fact]
    public void Load_UnigramTokenizerJson_ExposesItsVocabulary()
    {
        ModelTokenizer tokenizer = ModelTokenizer.Load(Folder);

        Dictionary<string, (int Id, double Score)> pieces = ReadPieces();
        Assert.Equal(pieces.Count, tokenizer.VocabularySize);
        foreach ((string piece, (int id, _)) in pieces)
        {
            Assert.Equal(id, tokenizer.Tokens[piece]);
        }
    }

    [Fact]
    public void Encode_UnigramCharacterOutsideVocabulary_GivesTheUnknownId()
    {
        ModelTokenizer tokenizer = ModelTokenizer.Load(Folder);

        IReadOnlyList<int> ids = tokenizer.Encode("the zeta", addSpecialTokens: false);

        Assert.Contains(ReadPieces()["<unk>"].Id, ids);
    }

    [Fact]
    public void Load_UnigramWithEmptyVocabulary_ThrowsInvalidModel_NamingTheFile()
    {
        string folder = TestModels.Scratch("unigram-empty");
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), """{ "model": { "type": "Unigram", "vocab": [] } }""");

        var ex = Assert.Throws<InvalidModelException>(() => ModelTokenizer.Load(folder));

        Assert.Contains("tokenizer.json", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The Viterbi answer by exhaustion: the Metaspace pre-tokenizer's text ("▁" before the text, spaces replaced),
    /// every split of it into vocabulary pieces tried, the one with the greatest sum of scores kept.
    /// </summary>
    private static int[] BestSegmentation(string text)
    {
        Dictionary<string, (int Id, double Score)> pieces = ReadPieces();
        string spaced = "▁" + text.Replace(' ', '▁');
        (double Score, int[] Ids)? best = null;
        foreach (List<string> split in Splits(spaced, pieces))
        {
            double score = split.Sum(p => pieces[p].Score);
            if (best is null || score > best.Value.Score)
            {
                best = (score, [.. split.Select(p => pieces[p].Id)]);
            }
        }

        Assert.NotNull(best);
        return best.Value.Ids;
    }

    private static IEnumerable<List<string>> Splits(string text, Dictionary<string, (int Id, double Score)> pieces)
    {
        if (text.Length == 0)
        {
            yield return [];
            yield break;
        }

        for (int length = 1; length <= text.Length; length++)
        {
            string head = text[..length];
            if (!pieces.ContainsKey(head) || head is "<unk>" or "<s>" or "</s>")
            {
                continue;
            }

            foreach (List<string> rest in Splits(text[length..], pieces))
            {
                rest.Insert(0, head);
                yield return rest;
            }
        }
    }

    private static Dictionary<string, (int Id, double Score)> ReadPieces()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "tokenizer.json")));
        var pieces = new Dictionary<string, (int, double)>();
        int id = 0;
        foreach (JsonElement entry in document.RootElement.GetProperty("model").GetProperty("vocab").EnumerateArray())
        {
            pieces[entry[0].GetString()!] = (id++, entry[1].GetDouble());
        }

        return pieces;
    }
}
