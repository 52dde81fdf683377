using System.Buffers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using FastDraft.Text.Internals.Tokenizers;

namespace FastDraft.Tests.Text;

/// <summary>
/// The Split pre-tokenizer follows the Hugging Face tokenizers format: every behaviour, invert, every
/// step of a Sequence in order, and no text lost except what Removed removes (issue 9, item 6).
/// </summary>
public sealed class SplitPreTokenizerTests
{
    private static string[] Pieces(string text, params SplitStep[] steps) =>
        [.. new SplitPreTokenizer(steps).Split(text).Select(p => text.Substring(p.Offset, p.Length))];

    private static SplitStep Step(string pattern, SplitBehavior behavior, bool invert = false) => new(new Regex(pattern), behavior, invert);

    [Fact]
    public void Split_WithJoinableCharacters_CutsAroundEveryOtherCharacter()
    {
        var splitter = new SplitPreTokenizer([], SearchValues.Create("ab▁"));

        string text = "ab\nba\n\n▁x";
        string[] pieces = [.. splitter.Split(text).Select(p => text.Substring(p.Offset, p.Length))];

        Assert.Equal(["ab", "\n", "ba", "\n", "\n", "▁", "x"], pieces);
    }

    [Fact]
    public void JoinableCharacters_KeepSurrogatePairsWhole_AndAreNullWhereACutCouldChangeTokens()
    {
        SearchValues<char> joinable = SplitPreTokenizer.JoinableCharacters(["ab", "c"], byteLevel: false, null, null)!;
        var splitter = new SplitPreTokenizer([], joinable);

        Assert.Equal([(0, 4)], splitter.Split("a😀b"));
        Assert.Equal([(0, 1), (1, 1)], splitter.Split("cc")); // c is a token, but no longer token holds it: no merge joins it
        Assert.Null(SplitPreTokenizer.JoinableCharacters(["ab"], byteLevel: true, null, null));
        Assert.Null(SplitPreTokenizer.JoinableCharacters(["ab"], byteLevel: false, "##", null));
        Assert.Null(SplitPreTokenizer.JoinableCharacters(["ab"], byteLevel: false, null, "</w>"));
    }

    // The examples of the Hugging Face documentation of SplitDelimiterBehavior.
    [Theory]
    [InlineData("Removed", "the|final|countdown")]
    [InlineData("Isolated", "the|-|final|-|-|countdown")]
    [InlineData("MergedWithPrevious", "the-|final-|-|countdown")]
    [InlineData("MergedWithNext", "the|-final|-|-countdown")]
    [InlineData("Contiguous", "the|-|final|--|countdown")]
    public void Split_FollowsEachBehaviour(string behavior, string expected) =>
        Assert.Equal(expected.Split('|'), Pieces("the-final--countdown", Step("-", Enum.Parse<SplitBehavior>(behavior))));

    [Theory]
    [InlineData("Isolated", "Hello|, |world| |42|!")]
    [InlineData("Removed", "Hello|world")]
    [InlineData("MergedWithPrevious", "Hello, |world |42|!")]
    [InlineData("MergedWithNext", "Hello|, world| |42|!")]
    public void InvertedSplit_TreatsTheTextBetweenMatchesAsTheDelimiter(string behavior, string expected)
    {
        // \p{L}+ inverted: the runs of non-letters are the delimiters; a second step then isolates digits.
        string[] actual = Pieces("Hello, world 42!", Step(@"\p{L}+", Enum.Parse<SplitBehavior>(behavior), invert: true), Step(@"\d+", SplitBehavior.Isolated));
        Assert.Equal(expected.Split('|'), actual);
    }

    [Fact]
    public void Sequence_AppliesEveryStepToEveryPiece_InOrder()
    {
        string[] pieces = Pieces("ab12cd 345", Step(" ", SplitBehavior.MergedWithNext), Step(@"\d", SplitBehavior.Isolated), Step("c", SplitBehavior.Removed));
        Assert.Equal(["ab", "1", "2", "d", " ", "3", "4", "5"], pieces);
    }

    [Fact]
    public void NoSteps_KeepTheWholeText_AndAnchorsStopAtEachPiece()
    {
        Assert.Equal(["a b"], Pieces("a b"));
        Assert.Empty(Pieces(string.Empty));
        Assert.Equal(["x", "y", " ", "x", "y"], Pieces("xy xy", Step(" ", SplitBehavior.Isolated), Step("^.", SplitBehavior.Isolated)));
    }

    [Theory]
    [InlineData("Isolated", false, "hello, world 42!")]
    [InlineData("Contiguous", false, "hello, world 42!")]
    [InlineData("MergedWithPrevious", true, "hello, world 42!")]
    [InlineData("Removed", false, ",  42!")]
    [InlineData("Removed", true, "helloworld")]
    public void SplitThenByteLevel_KeepsUnmatchedText(string behavior, bool invert, string decoded)
    {
        string folder = TestModels.Scratch("tok-split");
        TokenizerWriter.WriteByteLevel(folder, 400, TestModels.Words, ["<|endoftext|>"]);
        string path = Path.Combine(folder, "tokenizer.json");
        JsonNode json = JsonNode.Parse(File.ReadAllText(path))!;
        json["pre_tokenizer"] = JsonNode.Parse($$"""
            { "type": "Sequence", "pretokenizers": [
              { "type": "Split", "pattern": { "Regex": "\\p{L}+" }, "behavior": "{{behavior}}", "invert": {{(invert ? "true" : "false")}} },
              { "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false } ] }
            """);
        File.WriteAllText(path, json.ToJsonString());

        ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
        Assert.Equal(decoded, tokenizer.Decode([.. tokenizer.Encode("hello, world 42!")]));
    }

    [Fact]
    public void SplitPieces_AreWhatTheBpeModelSees()
    {
        string folder = TestModels.Scratch("tok-split-words");
        TokenizerWriter.WriteByteLevel(folder, 400, TestModels.Words, ["<|endoftext|>"]);
        string path = Path.Combine(folder, "tokenizer.json");
        JsonNode json = JsonNode.Parse(File.ReadAllText(path))!;
        json["pre_tokenizer"] = JsonNode.Parse("""
            { "type": "Sequence", "pretokenizers": [
              { "type": "Split", "pattern": { "String": " " }, "behavior": "MergedWithNext", "invert": false },
              { "type": "ByteLevel", "add_prefix_space": false, "use_regex": false } ] }
            """);
        File.WriteAllText(path, json.ToJsonString());

        ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
        Assert.Equal([tokenizer.Tokens["Ġthe"], tokenizer.Tokens["Ġcat"]], tokenizer.Encode(" the cat"));
    }

    [Theory]
    [InlineData("""[ { "type": "ByteLevel" }, { "type": "Split", "pattern": { "Regex": "a" }, "behavior": "Isolated" } ]""", "follows ByteLevel")]
    [InlineData("""[ { "type": "Split", "pattern": { "Regex": "a" }, "behavior": "Isolated" }, { "type": "Metaspace" } ]""", "Metaspace")]
    [InlineData("""[ { "type": "Split", "pattern": { "Regex": "a" }, "behavior": "Isolated" }, { "type": "ByteLevel", "add_prefix_space": true } ]""", "prefix space")]
    [InlineData("""[ { "type": "Split", "pattern": { "Regex": "(?<=a+)b" }, "behavior": "Isolated" }, { "type": "Digits" } ]""", "'Digits'")]
    public void UnimplementedArrangements_AreRefused_NotApproximated(string steps, string named)
    {
        string folder = TestModels.Scratch("tok-split-refused");
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), $$"""
            { "pre_tokenizer": { "type": "Sequence", "pretokenizers": {{steps}} },
              "model": { "type": "BPE", "vocab": { "a": 0, "b": 1 }, "merges": [] } }
            """);
        var ex = Assert.Throws<NotSupportedException>(() => ModelTokenizer.Load(folder));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.json", ex.Message, StringComparison.Ordinal);
    }
}
