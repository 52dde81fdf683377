using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FastDraft.Tests.Docs;

/// <summary>A fenced <c>csharp</c> block of a Markdown file, with the section it stands in.</summary>
internal sealed record CodeBlock(string File, int Line, string Section, string Code)
{
    public override string ToString() => $"{Path.GetFileName(File)}:{Line} ({Section})";
}

/// <summary>
/// Compiles documentation code blocks as a reader would use them: the <c>Program.cs</c> of a new console app
/// (top-level statements, implicit usings, nullable on), against the libraries this test project references.
/// </summary>
internal static partial class SnippetCompiler
{
    /// <summary>The global usings of <c>dotnet new console</c> (ImplicitUsings enabled).</summary>
    private const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(path => MetadataReference.CreateFromFile(path))]);

    /// <summary>Gets the repository's root (the folder holding FastDraft.sln), found from the test's output folder.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Every <c>```csharp</c> block of a Markdown file, with the <c>##</c> section it is in.</summary>
    public static List<CodeBlock> Blocks(string markdownFile)
    {
        var blocks = new List<CodeBlock>();
        string[] lines = File.ReadAllLines(markdownFile);
        string section = "(top)";
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("## ", StringComparison.Ordinal))
            {
                section = lines[i][3..].Trim();
            }

            if (lines[i].Trim() != "```csharp")
            {
                continue;
            }

            int start = i + 1;
            int end = Array.FindIndex(lines, start, l => l.Trim() == "```");
            Assert.True(end > 0, $"{markdownFile}:{i + 1}: the csharp block is not closed");
            blocks.Add(new CodeBlock(markdownFile, i + 1, section, string.Join('\n', lines[start..end])));
            i = end;
        }

        return blocks;
    }

    /// <summary>Compiles a block; the messages of every error and warning, empty when it compiles cleanly.</summary>
    public static (byte[]? Assembly, List<string> Problems) Compile(CodeBlock block)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Readme" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(ImplicitUsings, parse), CSharpSyntaxTree.ParseText(block.Code, parse, path: "Program.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        List<string> problems = [.. result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString())];
        return (result.Success ? image.ToArray() : null, problems);
    }

    /// <summary>Runs a compiled block's top-level statements and returns what it wrote to the console.</summary>
    /// <remarks>Swaps <see cref="Console.Out"/>: callers run in a collection that runs alone.</remarks>
    public static async Task<string> RunAsync(byte[] assembly)
    {
        MethodInfo entry = Assembly.Load(assembly).EntryPoint!;
        TextWriter console = Console.Out;
        using var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            object? returned = entry.Invoke(null, [Array.Empty<string>()]);
            if (returned is Task task)
            {
                await task;
            }
        }
        finally
        {
            Console.SetOut(console);
        }

        return output.ToString();
    }

    /// <summary>Replaces the string literal <paramref name="literal"/> (without quotes) in code by a verbatim literal of <paramref name="value"/>.</summary>
    public static string ReplaceLiteral(string code, string literal, string value)
    {
        string quoted = $"\"{literal}\"";
        Assert.True(code.Contains(quoted, StringComparison.Ordinal), $"the block no longer uses {quoted}");
        return code.Replace(quoted, $"@\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", StringComparison.Ordinal);
    }

    /// <summary>Markdown links and images whose target is not an absolute http(s) URL.</summary>
    public static List<string> RelativeLinks(string markdown) =>
        [.. MarkdownLink().Matches(markdown).Select(m => m.Groups["target"].Value).Where(t => !t.StartsWith("https://", StringComparison.Ordinal) && !t.StartsWith("http://", StringComparison.Ordinal)),
         .. HtmlSource().Matches(markdown).Select(m => m.Groups["target"].Value).Where(t => !t.StartsWith("https://", StringComparison.Ordinal))];

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)[^)]*\)|^\s*\[[^\]]+\]:\s*(?<target>\S+)", RegexOptions.Multiline)]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"<(?:img|a)\s[^>]*(?:src|href)\s*=\s*""(?<target>[^""]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlSource();

    private static string FindRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "FastDraft.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No FastDraft.sln above {AppContext.BaseDirectory}.");
    }
}
