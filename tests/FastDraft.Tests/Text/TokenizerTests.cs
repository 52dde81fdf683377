using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace FastDraft.Tests.Text;

public sealed class TokenizerTests
{
    [Fact]
    public void WrittenTokenizer_RoundTrips_AndOnnxRuntimeGenAIReadsItTheSameWay()
    {
        ModelTokenizer tokenizer = ModelTokenizer.Load(TestModels.TextModel);
        using var model = new GenAI.Model(TestModels.TextModel);
        using var oracle = new GenAI.Tokenizer(model);
        foreach (string text in TrickyStrings.All.Append(" the cat sat on the mat<|im_end|>"))
        {
            int[] ids = [.. tokenizer.Encode(text)];
            Assert.Equal(oracle.Encode(text)[0].ToArray(), ids);
            Assert.Equal(text.Replace("<|endoftext|>", string.Empty, StringComparison.Ordinal).Replace("<|im_end|>", string.Empty, StringComparison.Ordinal), tokenizer.Decode(ids));
        }

        Assert.Equal([tokenizer.Tokens["Ġthe"], tokenizer.Tokens["Ġcat"]], tokenizer.Encode(" the cat"));
    }

    [Fact]
    public void Encode_AddsSpecialTokensAsTheTokenizerConfigSays()
    {
        ModelTokenizer llama = ModelTokenizer.Load(SharedModels.Path(SharedModels.LlamaGqa));
        Assert.True(llama.AddsBeginningOfSequence);
        Assert.Equal(1, llama.BeginningOfSequenceTokenId);
        Assert.Equal(2, llama.EndOfSequenceTokenId);
        Assert.Equal([1, 15043, 3186], llama.Encode("Hello world"));
        Assert.Equal([15043, 3186], llama.Encode("Hello world", addSpecialTokens: false));

        ModelTokenizer gpt2 = ModelTokenizer.Load(SharedModels.Path(SharedModels.Gpt2Legacy));
        Assert.False(gpt2.AddsBeginningOfSequence);
        Assert.Equal([15496, 995], gpt2.Encode("Hello world"));
    }

    [Fact]
    public void Decode_LeavesSpecialTokensOut_AndDropsTheWordSpaceOnlyAfterOne()
    {
        ModelTokenizer llama = ModelTokenizer.Load(SharedModels.Path(SharedModels.LlamaGqa));
        Assert.Equal(" Hello world", llama.Decode([15043, 3186])); // a continuation keeps its space
        Assert.Equal("Hello world", llama.Decode([1, 15043, 3186]));
        Assert.Equal("\uD83D\uDE00", llama.Decode([243, 162, 155, 131])); // four byte pieces, one character
        Assert.Equal("\uFFFD", llama.Decode([243, 162])); // cut inside the character
    }

    [Fact]
    public void MissingOrMalformedTokenizers_FailWithTypedErrors_NamingTheCulprit()
    {
        string missing = Path.Combine(TestModels.Scratch("tok"), "nope");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => ModelTokenizer.Load(missing)).Message, StringComparison.Ordinal);

        string empty = TestModels.Scratch("tok-empty");
        Assert.Contains(empty, Assert.Throws<FileNotFoundException>(() => ModelTokenizer.Load(empty)).Message, StringComparison.Ordinal);

        string malformed = TestModels.Scratch("tok-bad");
        File.WriteAllText(Path.Combine(malformed, "tokenizer.json"), "{ \"model\": ");
        Assert.Contains("tokenizer.json", Assert.Throws<InvalidModelException>(() => ModelTokenizer.Load(malformed)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"model\": { \"type\": \"WordPiece\", \"vocab\": {} } }", "'WordPiece'")]
    [InlineData("{ \"pre_tokenizer\": { \"type\": \"BertPreTokenizer\" }, \"model\": { \"type\": \"BPE\", \"vocab\": {}, \"merges\": [] } }", "'BertPreTokenizer'")]
    [InlineData("{ \"normalizer\": { \"type\": \"StripAccents\" }, \"model\": { \"type\": \"BPE\", \"vocab\": {}, \"merges\": [] } }", "'StripAccents'")]
    public void UnsupportedTokenizerTypes_ThrowNotSupported_NamingTheType(string json, string named)
    {
        string folder = TestModels.Scratch("tok-unsupported");
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), json);
        var ex = Assert.Throws<NotSupportedException>(() => ModelTokenizer.Load(folder));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SentencePieceModelFile_IsReadWhenThereIsNoTokenizerJson()
    {
        string folder = TestModels.Scratch("spm");
        SentencePieceModel.Write(Path.Combine(folder, "tokenizer.model"));
        ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
        Assert.IsType<Microsoft.ML.Tokenizers.SentencePieceTokenizer>(tokenizer.GetService(typeof(Microsoft.ML.Tokenizers.Tokenizer)));

        int[] ids = [.. tokenizer.Encode("ab ab", addSpecialTokens: false)];
        Assert.Equal([tokenizer.Tokens["▁ab"], tokenizer.Tokens["▁ab"]], ids);
        Assert.Equal(" ab ab", tokenizer.Decode(ids));
        Assert.Equal("ab ab", tokenizer.Decode([tokenizer.Tokens["<s>"], .. ids]));
    }
}

/// <summary>A minimal SentencePiece BPE model file (sentencepiece_model.proto), written with the project's protobuf writer.</summary>
internal static class SentencePieceModel
{
    public static void Write(string path)
    {
        const int Normal = 1;
        const int Unknown = 2;
        const int Control = 3;
        (string Piece, float Score, int Type)[] pieces =
        [
            ("<unk>", 0, Unknown), ("<s>", 0, Control), ("</s>", 0, Control),
            ("▁", -1, Normal), ("a", -2, Normal), ("b", -3, Normal), ("▁a", -4, Normal), ("ab", -5, Normal), ("▁ab", -6, Normal),
        ];

        var model = new FastDraft.ModelWriter.Protobuf.ProtoWriter();
        foreach ((string piece, float score, int type) in pieces)
        {
            model.Message(1, new FastDraft.ModelWriter.Protobuf.ProtoWriter().String(1, piece).Float(2, score).Varint(3, type));
        }

        model.Message(2, new FastDraft.ModelWriter.Protobuf.ProtoWriter()
            .Varint(3, 2) // model_type: BPE
            .Varint(4, pieces.Length)
            .Varint(40, 0).Varint(41, 1).Varint(42, 2).Varint(43, -1)); // unk, bos, eos, pad ids
        model.Message(3, new FastDraft.ModelWriter.Protobuf.ProtoWriter()
            .String(1, "identity")
            .Varint(3, 1) // add_dummy_prefix
            .Varint(4, 1) // remove_extra_whitespaces
            .Varint(5, 1)); // escape_whitespaces
        using FileStream file = File.Create(path);
        model.WriteTo(file);
    }
}
