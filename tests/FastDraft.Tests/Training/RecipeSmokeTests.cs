using System.Text.Json;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tool;

namespace FastDraft.Tests.Training;

public sealed class RecipeSmokeTests
{
    private static string WriteCorpus()
    {
        string folder = TestModels.Scratch("corpus");
        var random = new Random(7);
        string[] names = ["the", "cat", "sat", "on", "mat", "dog", "ran"];
        for (int file = 0; file < 24; file++)
        {
            using var writer = new StreamWriter(Path.Combine(folder, $"module{file}.py"));
            for (int function = 0; function < 12; function++)
            {
                string name = names[random.Next(names.Length)];
                writer.WriteLine($"def {name}_{function}(x):\n    return x + {random.Next(10)}\n");
            }
        }

        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not included");
        return folder;
    }

    [Fact]
    public async Task TrainDraft_TinyPairWithControl_RunsEveryStageAndExportsAnExactDraft()
    {
        string corpus = WriteCorpus();
        string output = Path.Combine(TestModels.Scratch("recipe"), "draft");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args =
        [
            "train-draft", "--target", TestModels.TextModel, "--corpus", corpus, "--out", output, "--minutes", "0.4",
            "--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--intermediate", "32",
            "--batch-size", "2", "--sequence-length", "32", "--measure-prompts", "3", "--top-k", "4", "--control", "--json",
        ];

        int exit = await ToolApp.RunAsync(args, stdout, stderr);

        Assert.True(exit == 0, stderr.ToString());
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using JsonDocument json = JsonDocument.Parse(lines[^1]);
        JsonElement root = json.RootElement;
        foreach (string name in new[] { "alpha_pretrained", "alpha_aligned", "alpha_control" })
        {
            double alpha = root.GetProperty(name).GetDouble();
            Assert.InRange(alpha, 0, 1);
        }

        foreach (string stage in new[] { "data", "pretrain", "align", "control", "measure" })
        {
            Assert.True(root.GetProperty("seconds").GetProperty(stage).GetDouble() >= 0);
        }

        Assert.True(root.GetProperty("alignment_sequences").GetInt32() > 0);
        Assert.True(root.GetProperty("identical_tokens").GetBoolean());
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));

        // The exported draft loads and, as a draft for the target, leaves greedy output unchanged token for token.
        using var target = OnnxCausalLM.Load(TestModels.TextModel);
        using var draft = OnnxCausalLM.Load(output);
        var options = new GenerationOptions { MaxNewTokens = 40, IgnoreEndOfSequence = true };
        int[] prompt = [5, 70, 80, 90, 33];
        GenerationResult plain = await new SpeculativeGenerator(target).GenerateToListAsync(prompt, options);
        GenerationResult fast = await new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false }).GenerateToListAsync(prompt, options);
        Assert.Equal(plain.Ids, fast.Ids);
        Assert.True(fast.Stats.DraftedTokens > 0);

        // ONNX Runtime GenAI 0.18 loads the exported draft too, and decodes it greedily as we do.
        GenerationResult ours = await new SpeculativeGenerator(draft).GenerateToListAsync(prompt, options);
        Assert.Equal(ours.Ids, GenAIOracle.Greedy(output, prompt, 40));
    }

    [Fact]
    public async Task TrainDraft_WithADraftVocabulary_ExportsAFullWidthDraftThatOnlyScoresTheKeptIds()
    {
        string corpus = WriteCorpus();
        string output = Path.Combine(TestModels.Scratch("recipe-trimmed"), "draft");
        var stderr = new StringWriter();
        string[] args =
        [
            "train-draft", "--target", TestModels.TextModel, "--corpus", corpus, "--out", output, "--minutes", "0.3",
            "--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--intermediate", "32",
            "--batch-size", "2", "--sequence-length", "32", "--measure-prompts", "3", "--top-k", "4", "--draft-vocabulary", "40", "--json",
        ];

        int exit = await ToolApp.RunAsync(args, new StringWriter(), stderr);

        Assert.True(exit == 0, stderr.ToString());
        using var target = OnnxCausalLM.Load(TestModels.TextModel);
        using var draft = OnnxCausalLM.Load(output);
        Assert.Equal(target.Info.VocabularySize, draft.Info.VocabularySize);
        using JsonDocument list = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "draft_vocabulary.json")));
        int[] kept = [.. list.RootElement.GetProperty("kept_token_ids").EnumerateArray().Select(e => e.GetInt32())];
        Assert.InRange(kept.Length, 40, target.Info.VocabularySize - 1); // the 40 most frequent, plus the special tokens
        Assert.Contains(target.Info.EndOfSequenceTokenIds[0], kept);

        // Greedy speculative output equals target-only's; the draft alone writes kept ids only; GenAI decodes it as we do.
        var options = new GenerationOptions { MaxNewTokens = 40, IgnoreEndOfSequence = true };
        int[] prompt = [5, 70, 80, 90, 33];
        GenerationResult plain = await new SpeculativeGenerator(target).GenerateToListAsync(prompt, options);
        GenerationResult fast = await new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false }).GenerateToListAsync(prompt, options);
        Assert.Equal(plain.Ids, fast.Ids);
        GenerationResult ours = await new SpeculativeGenerator(draft).GenerateToListAsync(prompt, options);
        Assert.All(ours.Ids, id => Assert.Contains(id, kept));
        Assert.Equal(ours.Ids, GenAIOracle.Greedy(output, prompt, 40));
    }

    [Fact]
    public async Task Pretrain_TrimmedHeadWithoutAlignmentData_SaysToGenerateDataFirst()
    {
        string corpus = WriteCorpus();
        var stderr = new StringWriter();

        int exit = await ToolApp.RunAsync(["pretrain", "--target", TestModels.TextModel, "--corpus", corpus, "--work", TestModels.Scratch("trimmed-no-data"), "--minutes", "0.1", "--draft-vocabulary", "40"], new StringWriter(), stderr);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("generate-data", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainDraft_MissingTarget_ExitsTwoWithOneLine()
    {
        var stderr = new StringWriter();

        int exit = await ToolApp.RunAsync(["train-draft", "--corpus", "x", "--out", "y", "--minutes", "1"], new StringWriter(), stderr);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("--target", stderr.ToString(), StringComparison.Ordinal);
        Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Align_WithoutPretraining_ExplainsWhichStageToRunFirst()
    {
        string corpus = WriteCorpus();
        var stderr = new StringWriter();

        int exit = await ToolApp.RunAsync(["align", "--target", TestModels.TextModel, "--corpus", corpus, "--work", TestModels.Scratch("empty-work"), "--minutes", "0.1"], new StringWriter(), stderr);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains("pretrain", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train-draft")]
    [InlineData("generate-data")]
    [InlineData("pretrain")]
    [InlineData("align")]
    [InlineData("control")]
    [InlineData("export")]
    [InlineData("measure")]
    public async Task Help_EveryCommand_DescribesItsOptions(string command)
    {
        var stdout = new StringWriter();

        int exit = await ToolApp.RunAsync([command, "--help"], stdout, new StringWriter());

        Assert.Equal(0, exit);
        Assert.Contains("--target", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("--work", stdout.ToString(), StringComparison.Ordinal);
    }
}
