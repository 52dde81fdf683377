using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using FastDraft.Evaluation;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Text;
using FastDraft.Training;

namespace FastDraft.Tests.Docs;

/// <summary>Which packages are stable and which experimental, as a consumer's compiler sees them.</summary>
public sealed class ExperimentalPackageTests
{
    [Theory]
    [InlineData(typeof(DecoderSpec), true)]
    [InlineData(typeof(DraftTrainer), true)]
    [InlineData(typeof(PairEvaluator), true)]
    [InlineData(typeof(SpeculativeGenerator), false)]
    [InlineData(typeof(OnnxCausalLM), false)]
    [InlineData(typeof(ModelTokenizer), false)]
    [InlineData(typeof(FastDraft.Hosting.SpeculativeChatRegistration), false)]
    public void Assembly_IsMarkedExperimental_OnlyForTheExperimentalPackages(Type type, bool experimental)
    {
        ExperimentalAttribute? attribute = type.Assembly.GetCustomAttribute<ExperimentalAttribute>();

        Assert.Equal(experimental, attribute is not null);
        if (attribute is not null)
        {
            Assert.Equal("FDEXP001", attribute.DiagnosticId);
            string anchor = attribute.UrlFormat!.Split('#')[1];
            Assert.Equal("experimental-packages", anchor);
            Assert.Contains("\n### Experimental packages\n", File.ReadAllText(Path.Combine(SnippetCompiler.RepositoryRoot, "README.md")).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UsingAnExperimentalPackage_DoesNotCompile_UntilTheCallerOptsIn()
    {
        const string Code = "var spec = new FastDraft.ModelWriter.DecoderSpec();\nSystem.Console.WriteLine(spec.Layers);";
        var block = new CodeBlock("inline", 1, "test", Code);

        Assert.Contains(SnippetCompiler.Compile(block).Problems, problem => problem.Contains("error FDEXP001", StringComparison.Ordinal));
        Assert.Empty(SnippetCompiler.Compile(block with { Code = "#pragma warning disable FDEXP001\n" + Code }).Problems);
    }
}
