using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text;

/// <summary>
/// Llama 2's tokenizer.json has no pre-tokenizer, so its BPE model would see a whole file as one word, at a cost that
/// grows faster than linearly with its length. FastDraft cuts the text around characters no merge can join (newline,
/// there); the ids must be those of the uncut text, character for character.
/// </summary>
public sealed class TokenizerCutTests
{
    /// <summary>Every tricky string and a Python-like block, joined by newlines, blank lines, CRLFs and indentation, several times over.</summary>
    private static string LongText()
    {
        string[] separators = ["\n", "\n\n", "\r\n", "\n    ", " \n\t", "\n        \n"];
        string code = "class Reader:\n    def read(self, path):\n        with open(path) as f:\n            return [line.rstrip('\\n') for line in f]\n\n\n# ünïcode — 日本語 🙂\n";
        string[] strings = [.. TrickyStrings.All, code];
        return string.Concat(Enumerable.Range(0, 8 * strings.Length).Select(i => strings[i % strings.Length] + separators[i % separators.Length]));
    }

    [Theory]
    [InlineData(SharedModels.LlamaGqa)]
    [InlineData(SharedModels.Gpt2Legacy)]
    public void Encode_CutWhereNoMergeCrosses_GivesTheIdsOfTheUncutText(string fixture)
    {
        string folder = SharedModels.Path(fixture);
        ModelTokenizer cut = ModelTokenizer.Load(folder);
        ModelTokenizer whole = ModelTokenizer.LoadUncut(folder);
        string text = LongText();

        int[] expected = [.. whole.Encode(text, addSpecialTokens: false)];
        int[] actual = [.. cut.Encode(text, addSpecialTokens: false)];

        Assert.True(expected.Length > 2000, $"only {expected.Length} tokens");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Encode_LlamaWholeFile_SeesPiecesNoLongerThanALine()
    {
        // The cut is what makes a long file cheap: without a newline to cut at, the piece is the whole text.
        ModelTokenizer tokenizer = ModelTokenizer.Load(SharedModels.Path(SharedModels.LlamaGqa));
        var model = (Microsoft.ML.Tokenizers.Tokenizer)tokenizer.GetService(typeof(Microsoft.ML.Tokenizers.Tokenizer))!;
        string text = "▁x▁=▁1\n▁▁▁▁y▁=▁2\n";

        (int Offset, int Length)[] pieces = [.. model.PreTokenizer!.PreTokenize(text)];

        Assert.Equal([(0, 6), (6, 1), (7, 9), (16, 1)], pieces);
    }
}
