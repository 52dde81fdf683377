using FastDraft.OnnxRuntime;
using FastDraft.OnnxRuntime.Internals;

namespace FastDraft.Tests.Onnx;

/// <summary>
/// An application with ONNX Runtime's managed API but no native build (the CPU one excluded to swap in another, or a
/// platform the package does not carry) is told which package to add (issue 17). The whole path, from packed packages,
/// runs in <c>.ci/packed-app</c>; here, the recognition of the runtime's error and the message.
/// </summary>
public sealed class NativeLibraryErrorTests
{
    [Fact]
    public void NativeLibraryMissing_TypeInitializerAroundDllNotFound_NamesThePackagesToAdd()
    {
        var error = new TypeInitializationException(
            "Microsoft.ML.OnnxRuntime.NativeMethods",
            new DllNotFoundException("Unable to load shared library 'onnxruntime' or one of its dependencies.\nmore detail"));

        Assert.True(SessionOptionsFactory.IsNativeLibraryMissing(error));
        DllNotFoundException ex = SessionOptionsFactory.NativeLibraryMissing(error, "/models/m/model.onnx");

        Assert.Same(error, ex.InnerException);
        Assert.Contains("/models/m/model.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime (CPU", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Unable to load shared library 'onnxruntime' or one of its dependencies.)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsNativeLibraryMissing_OtherFailures_AreNotTakenForIt()
    {
        Assert.False(SessionOptionsFactory.IsNativeLibraryMissing(new InvalidOperationException("no", new DllNotFoundException("inner"))));
        Assert.False(SessionOptionsFactory.IsNativeLibraryMissing(new TypeInitializationException("T", new InvalidOperationException("static"))));
        Assert.True(SessionOptionsFactory.IsNativeLibraryMissing(new DllNotFoundException("onnxruntime")));
    }

    [Fact]
    public void Load_BlankModelName_IsRefusedBeforeLoading()
    {
        var ex = Assert.Throws<ArgumentException>(() => OnnxCausalLM.Load("/no/such/folder", new OnnxModelOptions { ModelName = " " }));

        Assert.Contains("ModelName", ex.Message, StringComparison.Ordinal);
    }
}
