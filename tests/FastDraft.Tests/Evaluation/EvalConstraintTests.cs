using System.Text.Json;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Tool;
using FastDraft.Tool;
using Json.Schema;

namespace FastDraft.Tests.Evaluation;

/// <summary><c>fastdraft eval --json-schema / --json-object</c> on the demo pair: every mode constrained, the forced share, the unconstrained twins, and the schema's errors.</summary>
public sealed class EvalConstraintTests
{
    /// <summary>A string enum and an integer: at most about 55 bytes (numbers stop at 24 characters), so 64 new tokens always finish the value.</summary>
    private const string Schema = """
        {"type": "object", "properties": {"color": {"enum": ["red", "green", "blue"]}, "size": {"type": "integer"}}, "required": ["color", "size"], "additionalProperties": false}
        """;

    private static readonly string[] Prompts =
    [
        "{\"prompt\": \"def paint(color, size):\\n    return Brush(color, size)\\n\\n# As JSON:\\n\"}",
        "{\"prompt\": \"class Box:\\n    size = 3\\n    color = 'red'\\n\\n# As JSON:\\n\"}",
    ];

    private static string Demo(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    private static string Write(string folder, string name, params string[] lines)
    {
        string path = Path.Combine(TestModels.Scratch(folder), name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task EvalJsonSchema_DemoPairWithUnconstrainedTwins_GatesConstrainedModesAndReportsForcedShare()
    {
        string schema = Write("eval-schema", "schema.json", Schema);
        string prompts = Write("eval-schema-prompts", "prompts.jsonl", Prompts);
        string output = Path.Combine(TestModels.Scratch("eval-schema-out"), "report");

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(
        [
            "eval", "--target", Demo("target"), "--draft", Demo("draft"), "--prompts", prompts, "--json-schema", schema, "--compare-unconstrained",
            "--max-new-tokens", "64", "--repetitions", "1", "--k-sweep", "2", "--draft-tokens", "2", "--out", output, "--json",
        ]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("quality_gate_passed").GetBoolean());
        Assert.Equal(2 * 2 * 2, root.GetProperty("quality_gate").GetProperty("compared").GetInt32()); // 2 groups (unconstrained modes against target-only unconstrained) × 2 modes × 2 prompts
        JsonElement constraint = root.GetProperty("constraint");
        Assert.Equal("json-schema", constraint.GetProperty("kind").GetString());
        Assert.Equal(schema, constraint.GetProperty("file").GetString());
        JsonElement[] outputs = [.. constraint.GetProperty("outputs").EnumerateArray()];
        Assert.Equal(2, outputs.Length);
        JsonSchema validator = JsonSchema.FromText(Schema);
        foreach (JsonElement generated in outputs)
        {
            string text = generated.GetProperty("text").GetString()!;
            Assert.True(generated.GetProperty("complete").GetBoolean(), text);
            using JsonDocument value = JsonDocument.Parse(text);
            Assert.True(validator.Evaluate(value.RootElement).IsValid, text);
        }

        JsonElement modes = root.GetProperty("modes");
        Assert.Equal(
            ["draft_adaptive", "draft_adaptive_unconstrained", "draft_k2", "draft_k2_unconstrained", "target_only", "target_only_unconstrained"],
            modes.EnumerateObject().Select(m => m.Name).Order(StringComparer.Ordinal));
        foreach (JsonProperty mode in modes.EnumerateObject())
        {
            bool unconstrained = mode.Name.EndsWith("_unconstrained", StringComparison.Ordinal);
            Assert.Equal(unconstrained, mode.Value.GetProperty("unconstrained").GetBoolean());
            double share = mode.Value.GetProperty("forced_share").GetDouble();
            if (unconstrained)
            {
                Assert.Equal(0, mode.Value.GetProperty("grammar_tokens").GetInt64());
                Assert.Equal(JsonValueKind.Null, mode.Value.GetProperty("speedup_over_unconstrained").ValueKind);
            }
            else
            {
                Assert.True(mode.Value.GetProperty("speedup_over_unconstrained").GetDouble() > 0, mode.Name);
                Assert.InRange(share, mode.Name == "draft_adaptive" ? 0 : double.Epsilon, 1); // the adaptive draft length depends on timing
                Assert.True(mode.Value.GetProperty("grammar_tokens").GetInt64() > 0 || mode.Name == "draft_adaptive", mode.Name);
            }
        }

        Assert.Equal(1.0, modes.GetProperty("target_only_unconstrained").GetProperty("speedup_median").GetDouble()); // over its own baseline
        Assert.False(root.GetProperty("recommendation").GetProperty("mode").GetString()!.EndsWith("_unconstrained", StringComparison.Ordinal));
        string markdown = File.ReadAllText(Path.Combine(output, "eval.md"));
        Assert.Contains("| forced share | speed-up over unconstrained |", markdown, StringComparison.Ordinal);
        Assert.Contains("| draft K=2, unconstrained |", markdown, StringComparison.Ordinal);
        Assert.Contains("## Constrained outputs", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalJsonObject_NGramOnTheDemoTarget_EveryOutputIsOneJsonValue()
    {
        string prompts = Write("eval-object-prompts", "prompts.jsonl", Prompts);

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(
        [
            "eval", "--target", Demo("target"), "--ngram", "3", "--prompts", prompts, "--json-object",
            "--max-new-tokens", "48", "--repetitions", "1", "--k-sweep", "2", "--draft-tokens", "2", "--out", TestModels.Scratch("eval-object-out"), "--json",
        ]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("quality_gate_passed").GetBoolean());
        Assert.Equal("json-object", root.GetProperty("constraint").GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("constraint").GetProperty("file").ValueKind);
        Assert.Equal(2, root.GetProperty("constraint").GetProperty("complete_outputs").GetInt32());
        foreach (JsonElement generated in root.GetProperty("constraint").GetProperty("outputs").EnumerateArray())
        {
            Assert.True(generated.GetProperty("complete").GetBoolean());
            using JsonDocument value = JsonDocument.Parse(generated.GetProperty("text").GetString()!); // throws unless one JSON value
        }

        Assert.DoesNotContain(root.GetProperty("modes").EnumerateObject(), m => m.Value.GetProperty("unconstrained").GetBoolean());
        Assert.InRange(root.GetProperty("modes").GetProperty("target_only").GetProperty("forced_share").GetDouble(), double.Epsilon, 1);
    }

    [Fact]
    public async Task Eval_WithoutConstraint_ReportsNoConstraint()
    {
        string prompts = Write("eval-plain-prompts", "prompts.jsonl", "{\"prompt\": \"def f(x):\\n    return\"}");

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(
            ["eval", "--target", Demo("target"), "--ngram", "2", "--prompts", prompts, "--max-new-tokens", "8", "--repetitions", "1", "--k-sweep", "1", "--draft-tokens", "1", "--out", TestModels.Scratch("eval-plain-out"), "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("constraint").ValueKind);
        Assert.All(json.RootElement.GetProperty("modes").EnumerateObject(), m =>
        {
            Assert.Equal(0, m.Value.GetProperty("grammar_tokens").GetInt64());
            Assert.Equal(0, m.Value.GetProperty("forced_share").GetDouble());
            Assert.False(m.Value.GetProperty("unconstrained").GetBoolean());
            Assert.Equal(JsonValueKind.Null, m.Value.GetProperty("speedup_over_unconstrained").ValueKind);
        });
    }

    [Theory]
    [InlineData("missing", "cannot read the file")]
    [InlineData("{\"type\": \"object\",", "not valid JSON")]
    [InlineData("{\"type\": \"string\", \"pattern\": \"^a\"}", "'pattern'")]
    public async Task EvalJsonSchema_BadSchemaFile_ExitsTwoWithOneLineNamingTheFileAndTheProblem(string content, string problem)
    {
        string folder = TestModels.Scratch("eval-bad-schema");
        string schema = Path.Combine(folder, "schema.json");
        if (content != "missing")
        {
            File.WriteAllText(schema, content);
        }

        string prompts = Write("eval-bad-schema-prompts", "prompts.jsonl", Prompts);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["eval", "--target", Demo("target"), "--ngram", "2", "--prompts", prompts, "--json-schema", schema]);

        Assert.Equal(ToolApp.UsageError, exit);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(schema, line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--compare-unconstrained needs", "--compare-unconstrained")]
    [InlineData("cannot be combined", "--json-object", "--json-schema", "s.json")]
    public async Task Eval_ConstraintOptionsMisused_ExitsTwoNamingThem(string expected, params string[] rest)
    {
        string prompts = Write("eval-misused-prompts", "prompts.jsonl", Prompts);

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["eval", "--target", Demo("target"), "--ngram", "2", "--prompts", prompts, .. rest]);

        Assert.Equal(ToolApp.UsageError, exit);
        Assert.Contains(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
