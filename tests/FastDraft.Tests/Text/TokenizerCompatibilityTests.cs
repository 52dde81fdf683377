using System.Text.Json.Nodes;
using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text;

/// <summary>
/// A draft folder's <c>tokenizer.json</c> is compared with the target's: the same file, a padded one (more ids) and one
/// with reordered JSON agree; a renamed token, a special flag, a merge, a normalizer or a pre-tokenizer that differ are
/// refused, naming the first differing id and both its tokens for the vocabulary.
/// </summary>
public sealed class TokenizerCompatibilityTests
{
    private static readonly string[] Words = ["the", "cat", "sat", "on", "mat", "dog"];

    private static string Write(string name, Action<JsonObject>? change = null)
    {
        string folder = TestModels.Scratch(name);
        TokenizerWriter.WriteByteLevel(folder, 300, Words, ["<|endoftext|>", "<|im_start|>"]);
        if (change is not null)
        {
            string path = Path.Combine(folder, "tokenizer.json");
            JsonObject json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            change(json);
            File.WriteAllText(path, json.ToJsonString());
        }

        return folder;
    }

    private static JsonObject Vocabulary(JsonObject json) => json["model"]!["vocab"]!.AsObject();

    private static string TokenOf(JsonObject json, int id) => Vocabulary(json).First(p => (int)p.Value! == id).Key;

    [Fact]
    public void SameTokenizer_Agrees()
    {
        Assert.Null(TokenizerCompatibility.FindMismatch(Write("target"), Write("draft")));
        TokenizerCompatibility.Check(Write("target"), Write("draft"));
    }

    [Fact]
    public void PaddedVocabulary_Agrees_EitherWay()
    {
        // Padding ids beyond the shorter vocabulary (as a family padding its embeddings): not a difference.
        string padded = Write("padded", json =>
        {
            var added = json["added_tokens"]!.AsArray();
            for (int id = 300; id < 310; id++)
            {
                added.Add(new JsonObject { ["id"] = id, ["content"] = $"<|pad_{id}|>", ["special"] = true });
            }
        });
        Assert.Null(TokenizerCompatibility.FindMismatch(Write("target"), padded));
        Assert.Null(TokenizerCompatibility.FindMismatch(padded, Write("target")));
    }

    [Fact]
    public void ReorderedJson_Agrees()
    {
        string reordered = Write("reordered", json =>
        {
            JsonObject pre = json["pre_tokenizer"]!.AsObject();
            var reversed = new JsonObject();
            foreach (KeyValuePair<string, JsonNode?> property in pre.ToArray().Reverse())
            {
                reversed[property.Key] = property.Value?.DeepClone();
            }

            json["pre_tokenizer"] = reversed;
        });
        Assert.Null(TokenizerCompatibility.FindMismatch(Write("target"), reordered));
    }

    [Fact]
    public void RenamedToken_IsRefused_NamingTheFirstDifferingIdAndBothTokens()
    {
        string target = Write("target");
        string original = string.Empty;
        string draft = Write("renamed", json =>
        {
            original = TokenOf(json, 262);
            JsonObject vocabulary = Vocabulary(json);
            vocabulary.Remove(original);
            vocabulary["Ġzebra"] = 262;
        });

        var error = Assert.Throws<ArgumentException>(() => TokenizerCompatibility.Check(target, draft));
        Assert.Contains($"token id 262 is \"{original}\" in the target's tokenizer but \"Ġzebra\" in the draft's", error.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-tokenizer-mismatch", error.Message, StringComparison.Ordinal);
        Assert.Equal("draftFolder", error.ParamName);
    }

    [Fact]
    public void SpecialFlag_IsRefused()
    {
        string draft = Write("special", json => json["added_tokens"]![1]!["special"] = false);
        Assert.Contains("is a special token in the target's tokenizer but not in the draft's", TokenizerCompatibility.FindMismatch(Write("target"), draft), StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_IsRefused()
    {
        string draft = Write("merge", json =>
        {
            var merges = json["model"]!["merges"]!.AsArray();
            JsonNode first = merges[0]!.DeepClone();
            merges[0] = merges[1]!.DeepClone();
            merges[1] = first;
        });
        Assert.StartsWith("merge 0 is", TokenizerCompatibility.FindMismatch(Write("target"), draft), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("normalizer")]
    [InlineData("pre_tokenizer")]
    public void NormalizerOrPreTokenizer_IsRefused(string key)
    {
        string draft = Write(key, json => json[key] = new JsonObject { ["type"] = "NFC" });
        string? mismatch = TokenizerCompatibility.FindMismatch(Write("target"), draft);
        Assert.NotNull(mismatch);
        Assert.Contains(key == "normalizer" ? "the normalizer differ" : "the pre-tokenizer differ", mismatch, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutTokenizerJson_IsNotCompared()
    {
        Assert.Null(TokenizerCompatibility.FindMismatch(Write("target"), TestModels.Scratch("empty")));
    }
}
