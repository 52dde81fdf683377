using System.Text;
using System.Text.Json.Nodes;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text;

/// <summary>
/// Malformed tokenizer files fail with <see cref="InvalidModelException"/> naming the file and the key, and
/// ids are bounded so a small file cannot make the tables huge (issue 9, items 4 and 5).
/// </summary>
public sealed class TokenizerFileTests
{
    /// <summary>A small valid byte-less BPE tokenizer: a, b, ab, c, and one merge.</summary>
    private const string Valid = """
        { "added_tokens": [ { "id": 4, "content": "<eos>", "special": true } ],
          "normalizer": null, "pre_tokenizer": null,
          "model": { "type": "BPE", "unk_token": null, "vocab": { "a": 0, "b": 1, "ab": 2, "c": 3, "<eos>": 4 }, "merges": [ "a b" ] } }
        """;

    private static string Folder(string tokenizerJson, string? configJson = null)
    {
        string folder = TestModels.Scratch("tok-file");
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), tokenizerJson);
        if (configJson is not null)
        {
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), configJson);
        }

        return folder;
    }

    private static string With(string path, string json)
    {
        JsonNode root = JsonNode.Parse(Valid)!;
        string[] keys = path.Split('.');
        JsonNode parent = root;
        foreach (string key in keys[..^1])
        {
            parent = parent[key]!;
        }

        if (json == "DELETE")
        {
            parent.AsObject().Remove(keys[^1]);
        }
        else
        {
            parent[keys[^1]] = JsonNode.Parse(json);
        }

        return root.ToJsonString();
    }

    [Fact]
    public void ValidBase_Loads()
    {
        ModelTokenizer tokenizer = ModelTokenizer.Load(Folder(Valid));
        Assert.Equal([2, 3, 4], tokenizer.Encode("abc<eos>"));
    }

    [Theory]
    [InlineData(500_000_000)]
    [InlineData(int.MaxValue)]
    [InlineData(2_000)]
    public void HugeVocabularyId_IsRefused_NamingFileTokenAndId(int id)
    {
        string folder = Folder(With("model.vocab", $$"""{ "a": 0, "b": 1, "ab": 2, "c": {{id}}, "<eos>": 4 }"""));
        var ex = Assert.Throws<InvalidModelException>(() => ModelTokenizer.Load(folder));
        Assert.Contains("tokenizer.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"c\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains(id.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("tokenizer.json", ex.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500000000")]
    [InlineData("2147483647")]
    public void HugeAddedTokenDecoderId_IsRefused_NamingFileTokenAndId(string id)
    {
        string folder = Folder(Valid, $$"""{ "added_tokens_decoder": { "{{id}}": { "content": "<big>", "special": true } } }""");
        var ex = Assert.Throws<InvalidModelException>(() => ModelTokenizer.Load(folder));
        Assert.Contains("tokenizer_config.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("<big>", ex.Message, StringComparison.Ordinal);
        Assert.Contains(id, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdsWithinTheBound_AreAccepted_EvenWithGaps()
    {
        // 6 entries with <far>: the bound is 2 × 6 + 1024, so an added token at 1035 is a gap, not an attack.
        string folder = Folder(Valid, """{ "added_tokens_decoder": { "1035": { "content": "<far>" } } }""");
        ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
        Assert.Equal(1036, tokenizer.VocabularySize);
        Assert.Throws<InvalidModelException>(() => ModelTokenizer.Load(Folder(Valid, """{ "added_tokens_decoder": { "1036": { "content": "<far>" } } }""")));
    }

    [Theory]
    [InlineData("model.vocab", """{ "a": "zero" }""", "model.vocab[\"a\"]")]
    [InlineData("model.vocab", """{ "a": 1.5 }""", "model.vocab[\"a\"]")]
    [InlineData("model.vocab", """{ "a": 2147483648 }""", "model.vocab[\"a\"]")]
    [InlineData("model.vocab", """{ "a": -1, "b": 1 }""", "model.vocab[\"a\"]")]
    [InlineData("model.vocab", """{ "a": 0, "b": 0 }""", "id 0")]
    [InlineData("model.vocab", "{}", "model.vocab is empty")]
    [InlineData("model.vocab", "[]", "model.vocab")]
    [InlineData("model.merges", """[ "a x" ]""", "model.merges[0]")]
    [InlineData("model.merges", """[ [ "a" ] ]""", "model.merges[0]")]
    [InlineData("model.merges", """[ "ab" ]""", "model.merges[0]")]
    [InlineData("model.merges", """[ 7 ]""", "model.merges[0]")]
    [InlineData("model.merges", "\"a b\"", "model.merges")]
    [InlineData("model.type", "3", "model.type")]
    [InlineData("model.unk_token", "\"<nope>\"", "model.unk_token")]
    [InlineData("model.byte_fallback", "\"yes\"", "model.byte_fallback")]
    [InlineData("model", "[]", "model")]
    [InlineData("added_tokens", """[ { "content": "<x>" } ]""", "added_tokens[0].id")]
    [InlineData("added_tokens", """[ { "id": 5 } ]""", "added_tokens[0].content")]
    [InlineData("added_tokens", """[ { "id": -3, "content": "<x>" } ]""", "added_tokens[0].id")]
    [InlineData("added_tokens", """[ 5 ]""", "added_tokens[0]")]
    [InlineData("normalizer", """{ "prepend": "x" }""", "normalizer.type")]
    [InlineData("normalizer", """{ "type": "Sequence", "normalizers": [ { "type": "Replace", "content": "x" } ] }""", "normalizer.normalizers[0].pattern")]
    [InlineData("normalizer", """{ "type": "Replace", "pattern": { "String": "" }, "content": "x" }""", "normalizer.pattern.String")]
    [InlineData("pre_tokenizer", """{ "use_regex": true }""", "pre_tokenizer.type")]
    [InlineData("pre_tokenizer", """{ "type": "Split", "pattern": { "Regex": "a" }, "behavior": "Sideways" }""", "pre_tokenizer.behavior")]
    [InlineData("pre_tokenizer", """{ "type": "Split", "pattern": {}, "behavior": "Isolated" }""", "pre_tokenizer.pattern")]
    [InlineData("pre_tokenizer", """{ "type": "Metaspace", "replacement": "" }""", "pre_tokenizer.replacement")]
    public void MalformedTokenizerJson_ThrowsInvalidModel_NamingFileAndKey(string key, string json, string named)
    {
        string folder = Folder(With(key, json));
        var ex = Assert.Throws<InvalidModelException>(() => ModelTokenizer.Load(folder));
        Assert.Contains("tokenizer.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "root")]
    [InlineData("42", "root")]
    [InlineData("""{ "add_bos_token": "yes" }""", "add_bos_token")]
    [InlineData("""{ "bos_token": 7 }""", "bos_token")]
    [InlineData("""{ "added_tokens_decoder": { "x": { "content": "<x>" } } }""", "added_tokens_decoder[\"x\"]")]
    [InlineData("""{ "added_tokens_decoder": { "-1": { "content": "<x>" } } }""", "added_tokens_decoder[\"-1\"]")]
    [InlineData("""{ "added_tokens_decoder": { "5": { "special": true } } }""", "added_tokens_decoder[\"5\"].content")]
    [InlineData("""{ "added_tokens_decoder": { "5": "<x>" } }""", "added_tokens_decoder[\"5\"]")]
    [InlineData("""{ "added_tokens_decoder": [] }""", "added_tokens_decoder")]
    [InlineData("""{ "chat_template": 3 }""", "chat_template")]
    [InlineData("""{ "chat_template": [ { "name": "default" } ] }""", "chat_template[0].template")]
    public void MalformedTokenizerConfig_ThrowsInvalidModel_NamingFileAndKey(string config, string named)
    {
        var ex = Assert.Throws<InvalidModelException>(() => ModelTokenizer.Load(Folder(Valid, config)));
        Assert.Contains("tokenizer_config.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("tokenizer_config.json")]
    public void InvalidUtf8OrTruncatedFiles_ThrowInvalidModel_NamingTheFile(string file)
    {
        byte[] valid = Encoding.UTF8.GetBytes(file == "tokenizer.json" ? Valid : """{ "bos_token": "<eos>" }""");
        int quote = Array.IndexOf(valid, (byte)'"') + 1;
        byte[][] broken = [[.. valid[..quote], 0xFF, 0xFE, .. valid[quote..]], valid[..(valid.Length / 2)], Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(valid).Replace("\"<eos>\"", "\"\\uD800\"", StringComparison.Ordinal))];
        foreach (byte[] bytes in broken)
        {
            string folder = Folder(Valid, """{ "bos_token": "<eos>" }""");
            File.WriteAllBytes(Path.Combine(folder, file), bytes);
            var ex = Assert.Throws<InvalidModelException>(() => ModelTokenizer.Load(folder));
            Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MergeOfTokensWithSpaces_IsNotSupported_NamingTheMerge()
    {
        string folder = Folder(With("model.merges", """[ [ "a", "b c" ] ]"""));
        var ex = Assert.Throws<NotSupportedException>(() => ModelTokenizer.Load(folder));
        Assert.Contains("model.merges[0]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.json", ex.Message, StringComparison.Ordinal);
    }
}
