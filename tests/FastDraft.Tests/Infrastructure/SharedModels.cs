namespace FastDraft.Tests.Infrastructure;

/// <summary>
/// The real ONNX exports in <c>../shared/models</c> beside the repository (never copied into it).
/// Tests that need them skip, saying why, when the folder is absent.
/// </summary>
internal static class SharedModels
{
    public const string LlamaGqa = "llama-gqa-fp32";
    public const string LlamaMhaFp16 = "llama-mha-fp16";
    public const string Gpt2Legacy = "gpt2-legacy-fp32";

    private static readonly Lazy<string?> Root = new(Locate);

    public static string SkipReason =>
        $"The shared fixture models are not present (looked for '{ExpectedLocation}', or FASTDRAFT_SHARED_MODELS); tests that need the real ONNX Runtime GenAI exports are skipped.";

    public static string Path(string name)
    {
        string? root = Root.Value;
        Assert.SkipWhen(root is null || !Directory.Exists(System.IO.Path.Combine(root, name)), SkipReason);
        return System.IO.Path.Combine(root!, name);
    }

    private static string ExpectedLocation => System.IO.Path.Combine(RepositoryRoot.Find(), "..", "shared", "models");

    private static string? Locate()
    {
        string? configured = Environment.GetEnvironmentVariable("FASTDRAFT_SHARED_MODELS");
        string candidate = configured is { Length: > 0 } ? configured : ExpectedLocation;
        return Directory.Exists(candidate) ? System.IO.Path.GetFullPath(candidate) : null;
    }
}

/// <summary>Finds the repository root (the folder holding FastDraft.sln) from the test binaries.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FastDraft.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"FastDraft.sln not found above {AppContext.BaseDirectory}.");
    }
}
