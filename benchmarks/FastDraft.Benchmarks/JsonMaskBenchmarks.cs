using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using FastDraft.Text;

namespace FastDraft.Benchmarks;

/// <summary>
/// The JSON Schema constraint's per-token cost in steady state: masking one row of logits for each token of a tool-call
/// argument object, at the vocabulary widths users meet (the demo's 257 bytes, Llama 2's 32k SentencePiece, GPT-2's 50k
/// byte-level BPE). Each operation is one token: <c>Mask</c> over the whole row after that token's prefix, along a seeded
/// walk through what the schema allows.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class JsonMaskBenchmarks
{
    private const string Schema = """{"type": "object", "properties": {"city": {"type": "string", "maxLength": 40}, "unit": {"enum": ["celsius", "fahrenheit"]}, "days": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 4}}, "required": ["city", "unit", "days"], "additionalProperties": false}""";

    private ITokenMatcher _matcher = null!;
    private int[] _tokens = [];
    private float[] _logits = [];
    private int _position;

    /// <summary>Gets or sets the tokenizer: demo-257, llama-32k or gpt2-50k (the last two from ../shared/models).</summary>
    [Params("demo-257", "llama-32k", "gpt2-50k")]
    public string Vocabulary { get; set; } = "demo-257";

    [GlobalSetup]
    public void Setup()
    {
        string root = RepositoryRoot();
        string folder = Vocabulary switch
        {
            "demo-257" => Path.Combine(root, "samples", "FastDraft.Demo", "models", "target"),
            "llama-32k" => Path.Combine(root, "..", "shared", "models", "llama-gqa-fp32"),
            _ => Path.Combine(root, "..", "shared", "models", "gpt2-legacy-fp32"),
        };
        ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
        _matcher = JsonConstraint.ForSchema(Schema, tokenizer).CreateMatcher();
        _logits = new float[Math.Max(tokenizer.VocabularySize, VocabularyWidth(folder))];

        // A seeded walk through what the schema allows (a random allowed token at each step, until end-of-sequence):
        // every measured mask is one a generation meets, whatever the tokenizer's spaces and merges.
        var random = new Random(7);
        var walk = new List<int>();
        var allowed = new List<int>();
        while (walk.Count < 256)
        {
            Array.Clear(_logits);
            _matcher.Mask(_logits, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(walk));
            allowed.Clear();
            for (int id = 0; id < _logits.Length; id++)
            {
                if (!float.IsNegativeInfinity(_logits[id]))
                {
                    allowed.Add(id);
                }
            }

            if (allowed.Count == 0)
            {
                break;
            }

            int next = allowed[random.Next(allowed.Count)];
            walk.Add(next);
            if (next == tokenizer.EndOfSequenceTokenId)
            {
                break;
            }
        }

        _tokens = [.. walk];
        if (_tokens.Length < 8)
        {
            throw new InvalidOperationException($"The walk through the schema stopped after {_tokens.Length} tokens with {Vocabulary}.");
        }

        Console.WriteLine($"// {Vocabulary}: {_logits.Length} logits, a walk of {_tokens.Length} tokens: {tokenizer.Decode(_tokens)}");
    }

    /// <summary>Masks the row for the next 16 tokens of the walk (the states' masks cached, as in a generation's steady state).</summary>
    [Benchmark(OperationsPerInvoke = 16)]
    public float MaskPerToken()
    {
        float sum = 0;
        for (int i = 0; i < 16; i++)
        {
            int length = _position;
            _position = (_position + 1) % _tokens.Length; // along the whole walk, then back to its start (a roll-back)
            _matcher.Mask(_logits, _tokens.AsSpan(0, length));
            sum += _logits[_tokens[length]];
        }

        return sum;
    }

    private static int VocabularyWidth(string folder)
    {
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")));
        return config.RootElement.GetProperty("model").GetProperty("vocab_size").GetInt32();
    }

    private static string RepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "FastDraft.sln")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException("Run from inside the repository: FastDraft.sln not found above " + AppContext.BaseDirectory);
    }
}
