using System.Reflection;
using System.Xml.Linq;
using FastDraft.Evaluation;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Text;
using FastDraft.Training;

namespace FastDraft.Tests.Docs;

/// <summary>
/// The libraries' recorded public API (PublicAPI.Shipped.txt / PublicAPI.Unshipped.txt, checked in the build by
/// Microsoft.CodeAnalysis.PublicApiAnalyzers) matches the assemblies, and the build keeps checking it.
/// </summary>
public sealed class PublicApiFilesTests
{
    public static TheoryData<string> Libraries =>
    [
        typeof(SpeculativeGenerator).Assembly.GetName().Name!,
        typeof(OnnxCausalLM).Assembly.GetName().Name!,
        typeof(ModelTokenizer).Assembly.GetName().Name!,
        typeof(DecoderSpec).Assembly.GetName().Name!,
        typeof(DraftTrainer).Assembly.GetName().Name!,
        typeof(PairEvaluator).Assembly.GetName().Name!,
        typeof(FastDraft.Hosting.SpeculativeChatRegistration).Assembly.GetName().Name!,
    ];

    [Theory]
    [MemberData(nameof(Libraries))]
    public void EveryPublicType_IsRecorded_AndEveryRecordedTypeIsPublic(string library)
    {
        string folder = Path.Combine(SnippetCompiler.RepositoryRoot, "src", library);
        string[] lines = [.. new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }
            .SelectMany(file => File.ReadAllLines(Path.Combine(folder, file)))
            .Select(line => line.TrimStart('~'))
            .Select(line => line.StartsWith('[') ? line[(line.IndexOf(']', StringComparison.Ordinal) + 1)..] : line)];
        Assembly assembly = Assembly.Load(library);
        string[] exported = [.. assembly.GetExportedTypes().Select(type => type.FullName!.Replace('+', '.')).Order(StringComparer.Ordinal)];
        string[] recordedTypes = [.. lines.Where(line => line.Length > 0 && !line.StartsWith('#') && !line.Contains("->", StringComparison.Ordinal)).Order(StringComparer.Ordinal)]; // a member's line has "-> type"

        Assert.Equal(exported, recordedTypes);
    }

    [Fact]
    public void TheBuild_ChecksTheApiFiles_AndValidatesThePackages_OfEveryLibraryButTheTool()
    {
        XDocument targets = XDocument.Load(Path.Combine(SnippetCompiler.RepositoryRoot, "Directory.Build.targets"));
        XElement properties = Assert.Single(targets.Descendants("PropertyGroup"), group => group.Element("TrackPublicApi") is not null);

        Assert.Equal("'$(IsPackable)' == 'true' And '$(PackAsTool)' != 'true'", (string?)properties.Attribute("Condition"));
        Assert.Equal("true", properties.Element("EnablePackageValidation")?.Value);
        Assert.Contains(targets.Descendants("PackageReference"), reference => (string?)reference.Attribute("Include") == "Microsoft.CodeAnalysis.PublicApiAnalyzers");
        Assert.Contains(targets.Descendants("AdditionalFiles"), files => (string?)files.Attribute("Include") == "PublicAPI.Shipped.txt;PublicAPI.Unshipped.txt");
    }
}
