using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace FastDraft.Runner;

/// <summary>
/// ONNX Runtime GenAI models loaded once per folder and thread setting, shared by every mode of a pair that runs on
/// them (a generator's options are set per generation, so modes differ only in their parameters): a pair with a
/// dozen GenAI modes holds two copies of each model, not a dozen. Disposes them all.
/// </summary>
public sealed class GenAIModels : IDisposable
{
    private readonly Dictionary<(string Folder, int? Threads), GenAI.Model> _models = [];

    /// <summary>The model of <paramref name="folder"/> on <paramref name="intraOpThreads"/> threads per session (<see langword="null"/>: GenAI's default).</summary>
    public GenAI.Model Get(string folder, int? intraOpThreads)
    {
        if (_models.TryGetValue((folder, intraOpThreads), out GenAI.Model? model))
        {
            return model;
        }

        using var config = new GenAI.Config(folder);
        if (intraOpThreads is not null)
        {
            string sessionOptions = $"{{\"session_options\":{{\"intra_op_num_threads\":{intraOpThreads}}}}}";
            bool composite = File.ReadAllText(Path.Combine(folder, "genai_config.json")).Contains("\"draft\"", StringComparison.Ordinal);
            config.Overlay($"{{\"model\":{{\"decoder\":{sessionOptions}{(composite ? $",\"draft\":{sessionOptions}" : string.Empty)}}}}}");
        }

        model = new GenAI.Model(config);
        _models[(folder, intraOpThreads)] = model;
        return model;
    }

    public void Dispose()
    {
        foreach (GenAI.Model model in _models.Values)
        {
            model.Dispose();
        }

        _models.Clear();
    }
}
