using System.Xml.Linq;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Docs;

/// <summary>Tests that swap <see cref="Console.Out"/> run alone.</summary>
[CollectionDefinition(nameof(ConsoleSwapping), DisableParallelization = true)]
public sealed class ConsoleSwapping;

/// <summary>The first code people copy works: every C# block of the READMEs compiles, and the API block runs.</summary>
[Collection(nameof(ConsoleSwapping))]
public sealed class ReadmeTests
{
    private const string Readme = "README.md";
    private const string PackageReadme = "src/PackageReadme.md";

    public static TheoryData<string> MarkdownFiles => [Readme, PackageReadme];

    private static string PathOf(string file) => Path.Combine(SnippetCompiler.RepositoryRoot, file);

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void CodeBlocks_CompileAsTheProgramOfAConsoleApp_WithoutWarnings(string file)
    {
        List<CodeBlock> blocks = SnippetCompiler.Blocks(PathOf(file));
        Assert.True(blocks.Count >= 2, $"{file} has {blocks.Count} csharp blocks");

        string[] failures = [.. blocks
            .Select(block => (block, SnippetCompiler.Compile(block).Problems))
            .Where(compiled => compiled.Problems.Count > 0)
            .Select(compiled => $"{compiled.block}:\n  {string.Join("\n  ", compiled.Problems)}")];

        Assert.True(failures.Length == 0, string.Join('\n', failures));
    }

    [Fact]
    public void Compile_ReportsWhatAReaderWouldSee()
    {
        // The check itself can fail: the former README block (no usings, an undefined token) does not compile.
        var former = new CodeBlock("former", 1, "The API in ten lines", "using var target = OnnxCausalLM.Load(\"m\");\nawait Task.Delay(1, ct);");

        List<string> problems = SnippetCompiler.Compile(former).Problems;

        Assert.Contains(problems, p => p.Contains("CS0103", StringComparison.Ordinal) && p.Contains("OnnxCausalLM", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("CS0103", StringComparison.Ordinal) && p.Contains("'ct'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Readme, "The API in a few lines")]
    [InlineData(PackageReadme, "Getting started")]
    public async Task ApiBlock_RunsOnTheDemoPair_PrintingTheGenerationItsStatisticsAndAChatReply(string file, string section)
    {
        string targetFolder = Path.Combine(AppContext.BaseDirectory, "models", "target"); // a base model: no chat_template
        string draftFolder = Path.Combine(AppContext.BaseDirectory, "models", "draft");
        CodeBlock block = Assert.Single(SnippetCompiler.Blocks(PathOf(file)), b => b.Section == section);
        string code = SnippetCompiler.ReplaceLiteral(block.Code, "models/phi-3-mini-draft", draftFolder);
        code = SnippetCompiler.ReplaceLiteral(code, "models/phi-3-mini", targetFolder);
        (byte[]? assembly, List<string> problems) = SnippetCompiler.Compile(block with { Code = code });
        Assert.True(assembly is not null, string.Join('\n', problems));

        string output = await SnippetCompiler.RunAsync(assembly!);

        // What the same requests give through the API directly (greedy: deterministic).
        ModelTokenizer tokenizer = ModelTokenizer.Load(targetFolder);
        var generator = new SpeculativeGenerator(LoadedModels.Get(targetFolder), LoadedModels.Get(draftFolder), new SpeculativeOptions { DraftTokens = 4 }, tokenizer);
        GenerationResult completion = await generator.GenerateToListAsync("def read_lines(path):\n    with open(path) as f:\n", new GenerationOptions { MaxNewTokens = 128, StopSequences = ["\n\n"] }, TestContext.Current.CancellationToken);
        ChatResponse reply = await generator.AsChatClient().GetResponseAsync("Write a function that reverses a string.", cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(string.IsNullOrWhiteSpace(completion.Text));

        string newLine = Environment.NewLine;
        Assert.StartsWith(completion.Text + newLine, output, StringComparison.Ordinal);
        string statistics = output[(completion.Text!.Length + newLine.Length)..].Split(newLine)[0];
        Assert.Contains("target calls", statistics, StringComparison.Ordinal);
        Assert.EndsWith(newLine + reply.Text + newLine, output, StringComparison.Ordinal);
    }

    [Fact]
    public void PackageReadme_HasNoRepositoryRelativeLinksOrImages()
    {
        Assert.Empty(SnippetCompiler.RelativeLinks(File.ReadAllText(PathOf(PackageReadme))));

        // The check finds them where they are: the repository's README shows its charts by relative path.
        Assert.Contains("benchmarks/results/throughput.png", SnippetCompiler.RelativeLinks(File.ReadAllText(PathOf(Readme))));
    }

    [Fact]
    public void Packages_CarryThePackageReadme_AsTheirReadme()
    {
        XDocument props = XDocument.Load(PathOf("Directory.Build.props"));
        string readmeFile = props.Descendants("PackageReadmeFile").Single().Value;
        XElement packed = Assert.Single(props.Descendants("None"), e => (string?)e.Attribute("Pack") == "true" && (string?)e.Attribute("PackagePath") == readmeFile);

        string include = ((string)packed.Attribute("Include")!).Replace("$(MSBuildThisFileDirectory)", string.Empty, StringComparison.Ordinal);

        Assert.Equal("README.md", readmeFile);
        Assert.Equal(PackageReadme, include);
    }
}
