using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Tool;
using FastDraft.Tool;
using FastDraft.Training;
using FastDraft.Training.Graph;
using static FastDraft.Tests.Training.TrainingGraphHarness;

namespace FastDraft.Tests.Training;

/// <summary>
/// The execution provider reaches every training stage. This test build carries ONNX Runtime's CPU package, so CUDA and
/// DirectML are checked by the error they must give: one line naming the provider and the package that has it.
/// </summary>
public sealed class TrainingProviderTests
{
    [Theory]
    [InlineData(ExecutionProvider.Cuda, "CUDA", "Microsoft.ML.OnnxRuntime.Gpu")]
    [InlineData(ExecutionProvider.DirectML, "DirectML", "Microsoft.ML.OnnxRuntime.DirectML")]
    public void GradientSource_WithAProviderMissingFromThisBuild_ThrowsNamingTheProviderAndPackage(ExecutionProvider provider, string name, string package)
    {
        string folder = TestModels.Scratch("provider-graph");
        var options = new OnnxGradientSourceOptions
        {
            Graph = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence },
            IntraOpThreads = 1,
            ExecutionProvider = provider,
            Directory = folder,
        };

        var ex = Assert.Throws<ModelNotSupportedException>(() => OnnxGradientSource.Create(Tiny, options));

        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Contains(package, ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, "training.onnx"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GradientSource_OnTheCpuProvider_ComputesAsBefore()
    {
        using OnnxGradientSource source = OnnxGradientSource.Create(Tiny, new OnnxGradientSourceOptions
        {
            Graph = new TrainingGraphOptions { BatchSize = Batch, SequenceLength = Sequence },
            IntraOpThreads = 1,
            ExecutionProvider = ExecutionProvider.Cpu,
        });
        float[] parameters = Array.ConvertAll(Parameters(source.Layout, seed: 3), v => (float)v);
        float[] gradients = new float[source.Layout.TotalCount];
        source.Bind(parameters, gradients);

        LossParts parts = source.Compute(MakeBatch(Tiny.VocabularySize, 0, seed: 5));

        Assert.True(float.IsFinite((float)parts.Loss) && parts.Loss > 0, $"loss {parts.Loss}");
        Assert.Contains(gradients, g => g != 0);
    }

    [Fact]
    public void TrainingOptions_NegativeDeviceId_IsRefusedNamingIt()
    {
        var options = new TrainingOptions { TotalSteps = 200, DeviceId = -1 };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(TrainingOptions.DeviceId), ex.ParamName);
    }

    [Fact]
    public async Task TrainModel_CudaOnTheCpuPackage_OneErrorLineNamingTheProviderAndPackage_ExitTwo()
    {
        string output = Path.Combine(TestModels.Scratch("cuda-train-model"), "model");
        string[] shape = ["--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--intermediate", "32", "--context", "64", "--batch-size", "2", "--sequence-length", "32"];

        (int exit, _, string stderr) = await ToolRuns.RunAsync(["train-model", "--corpus", ToolRuns.Corpus, "--out", output, "--minutes", "0.2", .. shape, "--execution-provider", "cuda", "--device-id", "0"]);

        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Contains("CUDA", stderr, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", stderr, StringComparison.Ordinal);
        Assert.Contains("training.onnx", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("pretrain")]
    [InlineData("train-draft")]
    public async Task RecipeCommand_CudaOnTheCpuPackage_OneErrorLineNamingTheProviderAndPackage_ExitTwo(string command)
    {
        string work = Path.Combine(TestModels.Scratch("cuda-recipe"), "work");

        (int exit, _, string stderr) = await ToolRuns.RunAsync([command, "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--out", Path.Combine(TestModels.Scratch("cuda-out"), "draft"), "--minutes", "0.05", .. ToolRuns.TinyShape, "--execution-provider", "cuda"]);

        Assert.Equal(ToolApp.UsageError, exit);
        ToolRuns.AssertOneErrorLine(stderr);
        Assert.Contains("CUDA", stderr, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", stderr, StringComparison.Ordinal);
    }
}
