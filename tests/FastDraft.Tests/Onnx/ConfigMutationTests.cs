using System.Text;
using FastDraft.OnnxRuntime;
using FastDraft.OnnxRuntime.Internals.Config;
using FastDraft.OnnxRuntime.Internals.Graph;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Onnx;

/// <summary>
/// Seeded mutation loops over every parser of outside input in the ONNX backend: thousands of
/// mutated <c>genai_config.json</c>, <c>config.json</c> and <c>model.onnx</c> files, each either
/// accepted or refused with a documented exception that names the file. Any other exception fails
/// the test with the seed and the mutation, which replay it alone.
/// </summary>
public sealed class ConfigMutationTests(ITestOutputHelper output)
{
    private const int ParserCases = 3000;
    private const int FullLoads = 48;

    private const string HuggingFaceConfig = """
        { "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": [2, 3], "hidden_size": 64,
          "max_position_embeddings": 512, "model_type": "llama", "num_attention_heads": 4, "num_hidden_layers": 2,
          "num_key_value_heads": 2, "pad_token_id": 0, "torch_dtype": "float32", "vocab_size": 96, "n_positions": 512 }
        """;

    private static byte[] GenAISource(string folder) =>
        Encoding.UTF8.GetBytes(File.ReadAllText(Path.Combine(folder, "genai_config.json"))
            .Replace("\"log_id\"", "\"intra_op_num_threads\": 2, \"log_id\"", StringComparison.Ordinal));

    [Fact]
    public void MutatedGenAIConfigs_ParseOrThrowInvalidModel_NamingTheFile()
    {
        string folder = TestModels.GqaTarget;
        string path = Path.Combine(folder, "genai_config.json");
        byte[] source = GenAISource(folder);
        var tally = new Tally("genai_config.json parser", [typeof(InvalidModelException), typeof(FileNotFoundException)], path);
        for (int seed = 0; seed < ParserCases; seed++)
        {
            var description = new StringBuilder();
            byte[] mutated = ConfigMutators.MutateJson(source, new Random(seed), description);
            tally.Run(seed, description, () =>
            {
                ModelFolderConfig config = ModelFolderConfig.ParseGenAI(path, mutated);
                config.CheckTokenIds(TestModels.Target.VocabularySize);
                if (config.ModelFileName is { } name)
                {
                    ModelFolder.ResolveNamedFile(folder, path, "decoder.filename", name);
                }
            });
        }

        tally.Report(output);
    }

    [Fact]
    public void MutatedHuggingFaceConfigs_ParseOrThrowInvalidModel_NamingTheFile()
    {
        const string Path = "/models/llama/config.json";
        byte[] source = Encoding.UTF8.GetBytes(HuggingFaceConfig);
        var tally = new Tally("config.json parser", [typeof(InvalidModelException)], Path);
        for (int seed = 0; seed < ParserCases; seed++)
        {
            var description = new StringBuilder();
            byte[] mutated = ConfigMutators.MutateJson(source, new Random(seed), description);
            tally.Run(seed, description, () => ModelFolderConfig.ParseHuggingFace(Path, mutated).CheckTokenIds(TestModels.Target.VocabularySize));
        }

        tally.Report(output);
    }

    [Theory]
    [InlineData("gqa")]
    [InlineData("std")]
    public void MutatedOnnxGraphs_ReadOrThrowInvalidModel_NamingTheFile(string flavour)
    {
        string path = Path.Combine(flavour == "gqa" ? TestModels.GqaTarget : TestModels.StandardTarget, "model.onnx");
        byte[] source = File.ReadAllBytes(path);
        int nodes = GraphInspector.FindGroupQueryAttention(new MemoryStream(source), path).Count;
        Assert.Equal(flavour == "gqa" ? TestModels.Target.Layers : 0, nodes);
        var tally = new Tally($"ONNX graph reader ({flavour}, {source.Length} bytes)", [typeof(InvalidModelException)], path);
        for (int seed = 0; seed < ParserCases; seed++)
        {
            var description = new StringBuilder();
            byte[] mutated = ConfigMutators.MutateProto(source, new Random(seed), description);
            tally.Run(seed, description, () => GraphInspector.FindGroupQueryAttention(new MemoryStream(mutated, writable: false), path));
        }

        tally.Report(output);
    }

    [Theory]
    [InlineData("genai_config.json")]
    [InlineData("model.onnx")]
    public void FullLoadsOfMutatedFolders_LoadOrThrowDocumentedExceptions(string file)
    {
        byte[] source = file == "model.onnx" ? File.ReadAllBytes(Path.Combine(TestModels.StandardTarget, file)) : GenAISource(TestModels.StandardTarget);
        var tally = new Tally($"OnnxCausalLM.Load, mutated {file}", [typeof(InvalidModelException), typeof(ModelNotSupportedException), typeof(FileNotFoundException), typeof(DirectoryNotFoundException)], mustName: null);
        for (int seed = 0; seed < FullLoads; seed++)
        {
            var description = new StringBuilder();
            byte[] mutated = file == "model.onnx"
                ? ConfigMutators.MutateProto(source, new Random(seed), description)
                : ConfigMutators.MutateJson(source, new Random(seed), description);
            string folder = ConfigurationTrustTests.CopyOf(TestModels.StandardTarget, "mutated");
            File.WriteAllBytes(Path.Combine(folder, file), mutated);
            tally.Run(seed, description, () =>
            {
                using OnnxCausalLM model = OnnxCausalLM.Load(folder, new OnnxModelOptions { Threading = OnnxThreading.PerSession, IntraOpThreads = 1 });
                using IModelSession session = model.CreateSession(8);
                session.Append([1, 2, 3]);
            });
        }

        tally.Report(output);
    }

    /// <summary>Counts outcomes per exception type and keeps the first escapes (undocumented types, or messages not naming the file).</summary>
    private sealed class Tally(string parser, Type[] documented, string? mustName)
    {
        private readonly SortedDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
        private readonly List<string> _escapes = [];
        private int _cases;

        public void Run(int seed, StringBuilder description, Action action)
        {
            _cases++;
            string outcome;
            try
            {
                action();
                outcome = "accepted";
            }
            catch (Exception ex) when (documented.Contains(ex.GetType()))
            {
                outcome = ex.GetType().Name;
                if (mustName is not null && !ex.Message.Contains(mustName, StringComparison.Ordinal) && _escapes.Count < 5)
                {
                    _escapes.Add($"seed {seed} [{description}]: {ex.GetType().Name} does not name '{mustName}': {ex.Message}");
                }
            }
            catch (Exception ex)
            {
                outcome = "ESCAPED " + ex.GetType().Name;
                if (_escapes.Count < 5)
                {
                    _escapes.Add($"seed {seed} [{description}]: {ex}");
                }
            }

            _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;
        }

        public void Report(ITestOutputHelper output)
        {
            string counts = string.Join(", ", _outcomes.Select(o => $"{o.Key} {o.Value}"));
            output.WriteLine($"{parser}: {_cases} cases: {counts}");
            Assert.True(_escapes.Count == 0, $"{parser}: {counts}\n{string.Join("\n", _escapes)}");

            // The mutations must reach the checks and also leave valid files, or the loop proves nothing.
            Assert.True(_outcomes.Count >= 2, $"{parser}: every case ended the same way ({counts}).");
        }
    }
}
