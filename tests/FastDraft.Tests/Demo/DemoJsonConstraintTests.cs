using System.Text.Json;
using FastDraft.Demo;
using FastDraft.Tests.Infrastructure;
using Json.Schema;

namespace FastDraft.Tests.Demo;

/// <summary>The demo's <c>generate --json-object / --json-schema</c>: valid output, speculative equal to target-only, grammar tokens counted, chat replies constrained, bad schemas refused.</summary>
public sealed class DemoJsonConstraintTests
{
    private const string Schema = """
        {"type": "object", "properties": {"color": {"enum": ["red", "green", "blue"]}, "size": {"type": "integer"}}, "required": ["color", "size"], "additionalProperties": false}
        """;

    private const string Prompt = "class Box:\n    size = 3\n    color = 'red'\n\n# As JSON:\n";

    private static string Demo(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    private static string WriteSchema(string folder, string text)
    {
        string path = Path.Combine(TestModels.Scratch(folder), "schema.json");
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> Run(string input, params string[] args)
    {
        using var reader = new StringReader(input);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await DemoApp.RunAsync(args, reader, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task GenerateJsonSchema_DraftAndTargetOnly_SameValidOutputWithGrammarTokensCounted()
    {
        string schema = WriteSchema("demo-json-schema", Schema);
        string[] common = ["generate", "--target", Demo("target"), "--prompt", Prompt, "--json-schema", schema, "--max-new-tokens", "64", "--json"];

        (int speculativeCode, string speculative, string speculativeError) = await Run(string.Empty, [.. common, "--draft", Demo("draft"), "--draft-tokens", "4"]);
        (int targetCode, string targetOnly, string targetError) = await Run(string.Empty, common);

        Assert.True(speculativeCode == 0, speculativeError);
        Assert.True(targetCode == 0, targetError);
        using JsonDocument withDraft = JsonDocument.Parse(speculative);
        using JsonDocument alone = JsonDocument.Parse(targetOnly);
        Assert.Equal(
            alone.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()),
            withDraft.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        string text = withDraft.RootElement.GetProperty("text").GetString()!;
        using JsonDocument value = JsonDocument.Parse(text);
        Assert.True(JsonSchema.FromText(Schema).Evaluate(value.RootElement).IsValid, text);
        JsonElement stats = withDraft.RootElement.GetProperty("stats");
        Assert.True(stats.GetProperty("grammar_tokens").GetInt32() > 0, speculative); // at least the key names are forced
        Assert.Equal("EndOfSequence", stats.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task GenerateWithoutConstraint_JsonStats_HaveNoGrammarTokens()
    {
        (int code, string output, string error) = await Run(string.Empty, "generate", "--target", Demo("target"), "--prompt", Prompt, "--max-new-tokens", "4", "--json");

        Assert.True(code == 0, error);
        using JsonDocument document = JsonDocument.Parse(output);
        Assert.False(document.RootElement.GetProperty("stats").TryGetProperty("grammar_tokens", out _), output);
    }

    [Fact]
    public async Task ChatJsonObject_EveryReply_IsOneJsonValue()
    {
        (int code, string output, string error) = await Run(
            "Describe a box as JSON.\nAnd a ball.\n/exit\n",
            "generate", "--target", Demo("target"), "--draft", Demo("draft"), "--chat", "--json-object", "--max-new-tokens", "96");

        Assert.True(code == 0, error);
        // Output: a header line, then "> " before each turn; each answered turn's reply ends with a line break.
        string[] turns = output.Split("> ")[1..^1];
        Assert.Equal(2, turns.Length);
        foreach (string reply in turns)
        {
            // Parse refuses anything but exactly one JSON value (trailing text included).
            Exception? invalid = Record.Exception(() => JsonDocument.Parse(reply.Trim()).Dispose());
            Assert.True(invalid is null, $"not one JSON value: {reply}");
        }
    }

    [Theory]
    [InlineData("""{"type": "string", "pattern": "^a+$"}""", "'pattern'", 0)]
    [InlineData("not json", "not valid JSON", 1)]
    public async Task GenerateJsonSchema_OutsideTheSubsetOrNotJson_RefusedInOneLineBeforeGenerating(string schemaText, string named, int index)
    {
        string schema = WriteSchema($"demo-json-bad-{index}", schemaText);

        foreach (string mode in new[] { "--prompt", "--chat" })
        {
            string[] args = mode == "--chat"
                ? ["generate", "--target", Demo("target"), "--chat", "--json-schema", schema]
                : ["generate", "--target", Demo("target"), "--prompt", Prompt, "--json-schema", schema];
            (int code, string output, string error) = await Run("never read\n", args);

            Assert.Equal(DemoApp.UsageError, code);
            Assert.StartsWith($"error: --json-schema {schema}: ", error, StringComparison.Ordinal);
            Assert.Contains(named, error[$"error: --json-schema {schema}: ".Length..], StringComparison.Ordinal); // the problem, after the path
            Assert.DoesNotContain("> ", output, StringComparison.Ordinal); // no chat turn started
        }
    }

    [Fact]
    public async Task GenerateJsonObjectAndSchema_Together_IsAUsageError()
    {
        (int code, _, string error) = await Run(string.Empty, "generate", "--target", Demo("target"), "--prompt", "x", "--json-object", "--json-schema", "s.json");

        Assert.Equal(DemoApp.UsageError, code);
        Assert.Contains("cannot be combined", error, StringComparison.Ordinal);
    }
}
