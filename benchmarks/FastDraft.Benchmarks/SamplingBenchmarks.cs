using BenchmarkDotNet.Attributes;
using FastDraft.Internals.Sampling;

namespace FastDraft.Benchmarks;

/// <summary>The processed distribution of one logits row, for the common processor settings.</summary>
[MemoryDiagnoser]
public class SamplingBenchmarks
{
    private readonly int[] _context = [.. Enumerable.Range(0, 512)];
    private float[] _logits = [];
    private float[] _probabilities = [];
    private TokenSampler? _sampler;

    [Params(32_000, 128_000)]
    public int Vocabulary { get; set; }

    [Params("temperature", "top-k 50", "top-p 0.9", "penalty+top-k+top-p")]
    public string Processors { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4);
        _logits = [.. Enumerable.Range(0, Vocabulary).Select(_ => (float)(random.NextDouble() * 20) - 10)];
        _probabilities = new float[Vocabulary];
        GenerationOptions options = Processors switch
        {
            "temperature" => new() { Temperature = 0.8f },
            "top-k 50" => new() { Temperature = 0.8f, TopK = 50 },
            "top-p 0.9" => new() { Temperature = 0.8f, TopP = 0.9f },
            _ => new() { Temperature = 0.8f, RepetitionPenalty = 1.1f, TopK = 50, TopP = 0.9f },
        };
        _sampler = new TokenSampler(options, Vocabulary);
    }

    /// <summary>A plain scalar softmax at the same temperature: the baseline for the "temperature" row.</summary>
    [Benchmark(Baseline = true)]
    public float ScalarSoftmax()
    {
        float max = float.NegativeInfinity;
        foreach (float logit in _logits)
        {
            max = Math.Max(max, logit);
        }

        float sum = 0;
        for (int i = 0; i < _logits.Length; i++)
        {
            _probabilities[i] = MathF.Exp((_logits[i] - max) / 0.8f);
            sum += _probabilities[i];
        }

        for (int i = 0; i < _logits.Length; i++)
        {
            _probabilities[i] /= sum;
        }

        return _probabilities[0];
    }

    [Benchmark]
    public float Distribution()
    {
        _sampler!.Distribution(_logits, _context, _probabilities);
        return _probabilities[0];
    }

    [Benchmark]
    public int DistributionAndDraw()
    {
        _sampler!.Distribution(_logits, _context, _probabilities);
        return _sampler.Draw(_probabilities);
    }

    [GlobalCleanup]
    public void Cleanup() => _sampler?.Dispose();
}
