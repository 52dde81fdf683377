using System.Text.Json;
using FastDraft.Demo;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Tool;

/// <summary>With <c>--json</c>, each command's whole stdout is one JSON document with <c>schema_version</c>; what a person reads goes to stderr.</summary>
public sealed class ToolJsonOutputTests
{
    private static string Demo(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    /// <summary>Parses the whole of stdout (any other line before or after the document fails) and checks the schema version.</summary>
    private static JsonDocument WholeDocument(string stdout)
    {
        JsonDocument json = JsonDocument.Parse(stdout);
        Assert.Equal(1, json.RootElement.GetProperty("schema_version").GetInt32());
        Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return json;
    }

    private static string PromptsFile(params string[] lines)
    {
        string path = Path.Combine(TestModels.Scratch("json-prompts"), "prompts.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task Generate_JsonOnTheDemoPair_IsOneDocumentOfTargetOnlyGreedyTokens()
    {
        int[] prompt = [.. "class Stack:\n    def __init__(self):\n"u8.ToArray().Select(b => (int)b)];

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(
            ["generate", "--target", Demo("target"), "--draft", Demo("draft"), "--prompt-ids", string.Join(',', prompt), "--max-new-tokens", "48", "--ignore-eos", "--execution-provider", "cpu", "--device-id", "0", "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = WholeDocument(stdout);
        int[] ids = [.. json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())];
        GenerationResult targetOnly = await new SpeculativeGenerator(LoadedModels.Get(Demo("target"))).GenerateToListAsync(prompt, new GenerationOptions { MaxNewTokens = 48, IgnoreEndOfSequence = true });
        Assert.Equal(targetOnly.Ids, ids);
        Assert.True(json.RootElement.GetProperty("stats").GetProperty("drafted").GetInt32() > 0);
    }

    [Fact]
    public async Task Generate_JsonWithTextPrompt_HasTheDemosShape()
    {
        string[] args = ["generate", "--target", Demo("target"), "--draft", Demo("draft"), "--prompt", "def read(path):\n", "--max-new-tokens", "24", "--json"];
        var demoOut = new StringWriter();
        int demoExit = await DemoApp.RunAsync(args, demoOut, new StringWriter());
        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(args);

        Assert.Equal(0, demoExit);
        Assert.True(exit == 0, stderr);
        using JsonDocument ours = WholeDocument(stdout);
        using JsonDocument demo = JsonDocument.Parse(demoOut.ToString());
        Assert.Equal(Keys(demo.RootElement).Prepend("schema_version"), Keys(ours.RootElement));
        Assert.Equal(Keys(demo.RootElement.GetProperty("stats")), Keys(ours.RootElement.GetProperty("stats")));
        Assert.Equal(demo.RootElement.GetProperty("text").GetString(), ours.RootElement.GetProperty("text").GetString());
        foreach (string key in new[] { "prompt_ids", "ids" })
        {
            Assert.Equal(demo.RootElement.GetProperty(key).GetRawText(), ours.RootElement.GetProperty(key).GetRawText());
        }

        static IEnumerable<string> Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();
    }

    [Fact]
    public async Task Acceptance_Json_IsOneDocumentWithADraftEntryPerFolder()
    {
        string prompts = PromptsFile("{\"prompt\": \"def read(path):\\n    with open(\"}", "{\"prompt\": \"import os\\n\\n\\ndef walk(folder):\\n\"}");

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(["acceptance", "--target", Demo("target"), "--draft", Demo("draft"), "--prompts", prompts, "--max-new-tokens", "16", "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = WholeDocument(stdout);
        Assert.Equal(16, json.RootElement.GetProperty("max_new_tokens").GetInt32());
        JsonElement draft = Assert.Single(json.RootElement.GetProperty("drafts").EnumerateArray());
        Assert.Equal(Demo("draft"), draft.GetProperty("folder").GetString());
        Assert.InRange(draft.GetProperty("alpha").GetDouble(), 0, 1);
        Assert.Contains("alpha", stderr, StringComparison.Ordinal); // the table a person reads
    }

    [Fact]
    public async Task Acceptance_FormerTokensOption_StillWorks()
    {
        string prompts = PromptsFile("{\"ids\": [5, 70, 80, 90, 33, 40, 41, 42]}");

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(["acceptance", "--target", TestModels.TextModel, "--draft", TestModels.TextModel, "--prompts", prompts, "--tokens", "4", "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = WholeDocument(stdout);
        Assert.Equal(4, json.RootElement.GetProperty("max_new_tokens").GetInt32());
    }

    [Fact]
    public async Task Pretrain_Json_IsOneDocument()
    {
        string work = Path.Combine(TestModels.Scratch("json-pretrain"), "work");

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(["pretrain", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--minutes", "0.02", .. ToolRuns.TinyShape, "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = WholeDocument(stdout);
        Assert.True(json.RootElement.GetProperty("seconds").GetProperty("pretrain").GetDouble() >= 0);
        Assert.Contains("Seconds:", stderr, StringComparison.Ordinal);

        // The process's peak resident memory: at least the managed heap it holds now, in the table and on each progress line.
        Assert.InRange(json.RootElement.GetProperty("peak_memory_bytes").GetInt64(), GC.GetTotalMemory(false), long.MaxValue);
        Assert.Contains("; peak memory ", stderr, StringComparison.Ordinal);
        Assert.Contains("tok/s, peak memory ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainDraft_Json_IsOneDocumentWithIdenticalTokens()
    {
        string output = Path.Combine(TestModels.Scratch("json-train-draft"), "draft");

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(
            ["train-draft", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--out", output, "--minutes", "0.2", .. ToolRuns.TinyShape, "--measure-prompts", "2", "--teacher-top-k", "4", "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = WholeDocument(stdout);
        Assert.InRange(json.RootElement.GetProperty("alpha_aligned").GetDouble(), 0, 1);
        Assert.True(json.RootElement.GetProperty("identical_tokens").GetBoolean());
    }

    [Fact]
    public async Task TrainModel_Json_IsOneDocument()
    {
        string output = Path.Combine(TestModels.Scratch("json-train-model"), "model");
        // A budget of seconds, not one: train-model takes the corpus's loading out of it, and a loaded machine can spend a second there.
        string[] shape = ["--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--intermediate", "32", "--context", "64", "--batch-size", "2", "--sequence-length", "32"];

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(["train-model", "--corpus", ToolRuns.Corpus, "--out", output, "--minutes", "0.2", .. shape, "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = WholeDocument(stdout);
        Assert.True(json.RootElement.GetProperty("steps").GetInt32() > 0);
        Assert.InRange(json.RootElement.GetProperty("peak_memory_bytes").GetInt64(), GC.GetTotalMemory(false), long.MaxValue);
    }
}
