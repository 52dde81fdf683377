using FastDraft.Demo;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Demo;

/// <summary>A broken or unsupported tokenizer makes the demo exit 2 with one line naming the file, never a stack trace.</summary>
public sealed class DemoTokenizerErrorTests
{
    public static TheoryData<string> BrokenTokenizers =>
    [
        """{ "model": { "type": "BPE", "vocab": { "a": 500000000 }, "merges": [] } }""",
        """{ "model": { "type": "BPE", "vocab": { "a": "zero" }, "merges": [] } }""",
        """{ "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": [ [ "a" ] ] } }""",
        """{ "model": { "type": "BPE", "vocab": {}, "merges": [] } }""",
        """{ "added_tokens": [ { "content": "x" } ], "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": [] } }""",
        """{ "pre_tokenizer": { "type": "Digits" }, "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": [] } }""",
        """{ "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": [] """,
        """[ 1, 2 ]""",
    ];

    [Theory]
    [MemberData(nameof(BrokenTokenizers))]
    public async Task Tokenize_BrokenTokenizerJson_ExitsTwoWithOneLine(string json)
    {
        string folder = TestModels.Scratch("demo-broken-tok");
        await File.WriteAllTextAsync(Path.Combine(folder, "tokenizer.json"), json, TestContext.Current.CancellationToken);
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = await DemoApp.RunAsync(["tokenize", "--model", folder, "--text", "a"], output, error, TestContext.Current.CancellationToken);

        Assert.Equal(DemoApp.UsageError, code);
        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("tokenizer.json", lines[0], StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Tokenize_BrokenTokenizerConfig_ExitsTwoWithOneLine()
    {
        string folder = TestModels.Scratch("demo-broken-config");
        await File.WriteAllTextAsync(Path.Combine(folder, "tokenizer.json"), """{ "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": [] } }""", TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(folder, "tokenizer_config.json"), [(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}'], TestContext.Current.CancellationToken);
        using var error = new StringWriter();

        int code = await DemoApp.RunAsync(["tokenize", "--model", folder, "--text", "a"], TextWriter.Null, error, TestContext.Current.CancellationToken);

        Assert.Equal(DemoApp.UsageError, code);
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("tokenizer_config.json", error.ToString(), StringComparison.Ordinal);
    }
}
