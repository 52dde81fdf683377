using System.Text.Json.Nodes;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tool;

namespace FastDraft.Tests.Tool;

/// <summary><c>generate</c> refuses a draft whose tokenizer disagrees with the target's, before loading models, unless <c>--allow-tokenizer-mismatch</c>.</summary>
public sealed class TokenizerMismatchToolTests
{
    private static string MismatchedCopy()
    {
        string folder = TestModels.Scratch("mismatched-draft");
        foreach (string file in Directory.GetFiles(TestModels.TextModel))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        string path = Path.Combine(folder, "tokenizer.json");
        JsonObject json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        JsonObject vocabulary = json["model"]!["vocab"]!.AsObject();
        string renamed = vocabulary.First(p => (int)p.Value! == 300).Key;
        vocabulary.Remove(renamed);
        vocabulary["Ġzebra"] = 300;
        File.WriteAllText(path, json.ToJsonString());
        return folder;
    }

    [Fact]
    public async Task Generate_MismatchedTokenizer_IsRefusedNamingTheToken_UnlessAllowed()
    {
        string draft = MismatchedCopy();
        string[] args = ["generate", "--target", TestModels.TextModel, "--draft", draft, "--prompt-ids", "1,2,3", "--max-new-tokens", "4"];

        (int exit, _, string stderr) = await ToolRuns.RunAsync(args, TestContext.Current.CancellationToken);
        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Contains("token id 300", stderr, StringComparison.Ordinal);
        Assert.Contains("Ġzebra", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await ToolRuns.RunAsync([.. args, "--allow-tokenizer-mismatch"], TestContext.Current.CancellationToken);
        Assert.True(exit == 0, stderr);
    }
}
