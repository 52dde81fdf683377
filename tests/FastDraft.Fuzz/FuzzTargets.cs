using FastDraft.OnnxRuntime.Internals.Config;
using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.Text;
using FastDraft.Training;

namespace FastDraft.Fuzz;

/// <summary>
/// One fuzz target per parser of outside input. A target returns normally when the parser accepted the
/// input or refused it with a documented exception that names the file; anything else escapes, and the
/// fuzzer records it as a crash.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>Gets the targets by name.</summary>
    public static IReadOnlyDictionary<string, FuzzTarget> All { get; } = new FuzzTarget[]
    {
        new("genai-config", "genai_config.json", GenAIConfig),
        new("hf-config", "config.json", HuggingFaceConfig),
        new("onnx-graph", "model.onnx", OnnxGraph),
        new("tokenizer-json", "tokenizer.json", bytes => Tokenizer("tokenizer.json", bytes)),
        new("tokenizer-config", "tokenizer_config.json", bytes => Tokenizer("tokenizer_config.json", bytes)),
        new("alignment-data", "alignment.fdad", AlignmentData),
    }.ToDictionary(t => t.Name);

    private static string Scratch => ScratchFolder.Value;

    private static readonly Lazy<string> ScratchFolder = new(() =>
    {
        string folder = Path.Combine(Path.GetTempPath(), "fastdraft-fuzz", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        return folder;
    });

    private static void GenAIConfig(byte[] bytes)
    {
        const string Path = "/models/fuzz/genai_config.json";
        Documented(Path, [typeof(InvalidModelException)], () =>
        {
            ModelFolderConfig config = ModelFolderConfig.ParseGenAI(Path, bytes);
            config.CheckTokenIds(vocabularySize: 32);
        });
    }

    private static void HuggingFaceConfig(byte[] bytes)
    {
        const string Path = "/models/fuzz/config.json";
        Documented(Path, [typeof(InvalidModelException)], () => ModelFolderConfig.ParseHuggingFace(Path, bytes).CheckTokenIds(vocabularySize: 32));
    }

    private static void OnnxGraph(byte[] bytes)
    {
        const string Path = "/models/fuzz/model.onnx";
        Documented(Path, [typeof(InvalidModelException)], () => GraphInspector.FindGroupQueryAttention(new MemoryStream(bytes, writable: false), Path));
    }

    /// <summary>Loads a tokenizer folder whose <paramref name="file"/> is the input and whose other file is the seed's, then encodes and decodes.</summary>
    private static void Tokenizer(string file, byte[] bytes)
    {
        string folder = Path.Combine(Scratch, "tokenizer");
        if (!Directory.Exists(folder))
        {
            Seeds.WriteTokenizer(folder);
        }

        string other = file == "tokenizer.json" ? "tokenizer_config.json" : "tokenizer.json";
        File.Copy(Path.Combine(Seeds.TokenizerFolder, other), Path.Combine(folder, other), overwrite: true);
        File.WriteAllBytes(Path.Combine(folder, file), bytes);
        Documented(file, [typeof(InvalidModelException), typeof(NotSupportedException)], () =>
        {
            ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
            IReadOnlyList<int> ids = tokenizer.Encode("Hello, world 42! <|im_end|> ünï\n\t中文 😀");
            _ = tokenizer.Decode([.. ids]);
            _ = tokenizer.Decode([.. Enumerable.Range(0, Math.Min(tokenizer.VocabularySize, 300))]);
        });
    }

    private static void AlignmentData(byte[] bytes)
    {
        string path = Path.Combine(Scratch, "alignment.fdad");
        File.WriteAllBytes(path, bytes);
        Documented(path, [typeof(InvalidDataException)], () => AlignmentDataFile.ReadAll(path));
    }

    /// <summary>Runs a parser; a documented exception that names <paramref name="mustName"/> is an accepted outcome.</summary>
    internal static void Documented(string mustName, Type[] documented, Action parse)
    {
        try
        {
            parse();
        }
        catch (Exception ex) when (documented.Contains(ex.GetType()) && ex.Message.Contains(Path.GetFileName(mustName), StringComparison.Ordinal))
        {
            // A refusal the parser documents, naming the file.
        }
    }
}

/// <summary>A named fuzz target: the file it stands for and the parser run on each input.</summary>
internal sealed record FuzzTarget(string Name, string FileName, Action<byte[]> Run)
{
    /// <summary>Runs the target on the bytes of a stream (the fuzzer's input).</summary>
    public void RunOn(Stream input)
    {
        using var buffer = new MemoryStream();
        input.CopyTo(buffer);
        Run(buffer.ToArray());
    }

}
