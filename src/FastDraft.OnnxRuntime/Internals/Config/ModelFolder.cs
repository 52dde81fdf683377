namespace FastDraft.OnnxRuntime.Internals.Config;

/// <summary>
/// Where a model's files are: its folder, the decoder's ONNX file and the folder's configuration. The one place that
/// knows a model folder's file names (<c>genai_config.json</c>, else <c>config.json</c> with <c>generation_config.json</c>;
/// the decoder <c>genai_config.json</c> names, else <c>model.onnx</c>, else the folder's only <c>.onnx</c> file) and
/// that every file read is a regular file inside the folder (<see cref="ModelFolderConfig"/> parses what it reads).
/// </summary>
/// <param name="Folder">The model folder, a full path.</param>
/// <param name="ModelFile">The decoder's ONNX file, a full path.</param>
/// <param name="Config">What the folder's configuration says (empty when it has none).</param>
internal sealed record ModelFolder(string Folder, string ModelFile, ModelFolderConfig Config)
{
    private const string GenAIConfigFileName = "genai_config.json";
    private const string HuggingFaceConfigFileName = "config.json";
    private const string GenerationConfigFileName = "generation_config.json";
    private const string ConventionalModelFileName = "model.onnx";

    /// <summary>The largest configuration file read (they are a few kilobytes).</summary>
    private const long MaxConfigBytes = 16 << 20;

    /// <summary>Finds the model a path passed to <see cref="OnnxCausalLM.Load"/> names: a model folder, or an ONNX file in one.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The ONNX file does not exist, or the folder holds none.</exception>
    /// <exception cref="InvalidModelException">
    /// The path is a configuration or tokenizer file, or not a regular file; the folder holds several ONNX files and no
    /// configuration naming one; or the configuration is malformed.
    /// </exception>
    public static ModelFolder Locate(string path)
    {
        if (File.Exists(path))
        {
            string file = Path.GetFullPath(path);
            RequireRegularFile(file, "the path passed to Load");
            RefuseConfigurationFile(file);
            string folder = Path.GetDirectoryName(file)!;
            return new ModelFolder(folder, file, ReadConfig(folder));
        }

        if (!Directory.Exists(path))
        {
            if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
            }

            throw new DirectoryNotFoundException($"Model folder '{path}' does not exist.");
        }

        string root = Path.GetFullPath(path);
        ModelFolderConfig config = ReadConfig(root);
        if (config.ModelFileName is { } named)
        {
            return new ModelFolder(root, ResolveNamedFile(root, config.ConfigPath, "decoder.filename", named), config);
        }

        string conventional = Path.Combine(root, ConventionalModelFileName);
        if (File.Exists(conventional))
        {
            RequireRegularFile(conventional, $"the model folder '{root}'");
            return new ModelFolder(root, conventional, config);
        }

        string[] candidates = Directory.GetFiles(root, "*.onnx");
        if (candidates.Length == 1)
        {
            RequireRegularFile(candidates[0], $"the model folder '{root}'");
        }

        return candidates.Length switch
        {
            1 => new ModelFolder(root, candidates[0], config),
            0 => throw new FileNotFoundException($"Model folder '{root}' holds no .onnx file, and no {GenAIConfigFileName} naming one.", conventional),
            _ => throw new InvalidModelException($"Model folder '{root}' holds several .onnx files ({string.Join(", ", candidates.Select(Path.GetFileName))}) and no {GenAIConfigFileName} saying which is the decoder.", root),
        };
    }

    /// <summary>
    /// Resolves a file a configuration names (<paramref name="key"/>) inside <paramref name="folder"/>:
    /// relative, inside the folder once resolved, and a non-empty regular file (devices, pipes and
    /// folders are refused; a link inside the folder may point elsewhere, as in the Hugging Face cache).
    /// </summary>
    /// <exception cref="InvalidModelException">The name is absolute, leaves the folder, or names something other than a regular file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static string ResolveNamedFile(string folder, string? configPath, string key, string name)
    {
        string where = $"'{configPath}' ({key})";
        if (Path.IsPathRooted(name) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidModelException($"Malformed model configuration {where}: '{name}' must be a path relative to the model folder '{folder}'.", configPath);
        }

        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        string file = Path.GetFullPath(Path.Combine(root, name));
        if (file + Path.DirectorySeparatorChar == root)
        {
            throw new InvalidModelException($"Malformed model configuration {where}: '{name}' is a folder, the model folder '{root}' itself, not a model file.", configPath);
        }

        if (!file.StartsWith(root, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            throw new InvalidModelException($"Malformed model configuration {where}: '{name}' resolves to '{file}', outside the model folder '{root}'.", configPath);
        }

        if (!File.Exists(file))
        {
            throw Directory.Exists(file)
                ? new InvalidModelException($"Malformed model configuration {where}: '{file}' is a folder, not a model file.", configPath)
                : new FileNotFoundException($"Model file '{file}' named by {where} does not exist.", file);
        }

        RequireRegularFile(file, where);
        return file;
    }

    /// <summary>Reads a configuration file of the model folder, refusing what is not a regular file of configuration size.</summary>
    public static byte[] ReadConfigFile(string path)
    {
        RequireRegularFile(path, "the model folder", MaxConfigBytes);
        return File.ReadAllBytes(path);
    }

    /// <summary>Refuses what is not a non-empty regular file of sane size (a device or a pipe reports a length of 0).</summary>
    private static void RequireRegularFile(string file, string namedBy, long maxBytes = long.MaxValue)
    {
        // A link's own length is that of its target's name: look at what it finally points to.
        FileSystemInfo info = new FileInfo(file);
        info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
        long length = info is FileInfo { Exists: true } regular ? regular.Length : 0;
        if (length == 0 || length > maxBytes)
        {
            throw new InvalidModelException(
                length == 0
                    ? $"'{file}' (named by {namedBy}) is empty or not a regular file (a device, pipe or folder)."
                    : $"'{file}' (named by {namedBy}) is {length} bytes, more than the {maxBytes} a configuration file may have.",
                file);
        }
    }

    /// <summary>Reads the configuration of <paramref name="folder"/> (an empty one when the folder has no configuration file).</summary>
    private static ModelFolderConfig ReadConfig(string folder)
    {
        string genai = Path.Combine(folder, GenAIConfigFileName);
        if (File.Exists(genai))
        {
            return ModelFolderConfig.ParseGenAI(genai, ReadConfigFile(genai));
        }

        string hf = Path.Combine(folder, HuggingFaceConfigFileName);
        return File.Exists(hf) ? ModelFolderConfig.ParseHuggingFace(hf, ReadConfigFile(hf), Path.Combine(folder, GenerationConfigFileName)) : new ModelFolderConfig();
    }

    /// <summary>
    /// Refuses a configuration or tokenizer file passed where a model folder or an ONNX file is expected, in the caller's
    /// terms: ONNX Runtime would report it as "Protobuf parsing failed".
    /// </summary>
    private static void RefuseConfigurationFile(string file)
    {
        if (!file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        string name = Path.GetFileName(file);
        string what = name.Equals(GenAIConfigFileName, StringComparison.OrdinalIgnoreCase) ? "the model folder's ONNX Runtime GenAI configuration"
            : name.StartsWith("tokenizer", StringComparison.OrdinalIgnoreCase) ? "a tokenizer file"
            : "a JSON file";
        throw new InvalidModelException(
            $"'{file}' is {what}, not an ONNX model: OnnxCausalLM.Load takes the model folder ('{Path.GetDirectoryName(file)}') or the decoder's .onnx file.",
            file);
    }
}
