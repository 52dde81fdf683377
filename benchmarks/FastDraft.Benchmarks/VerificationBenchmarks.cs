using BenchmarkDotNet.Attributes;
using FastDraft.Internals.Verification;

namespace FastDraft.Benchmarks;

/// <summary>Greedy verification of K + 1 logits rows: vectorized argmax against a plain scalar loop.</summary>
[MemoryDiagnoser]
public class VerificationBenchmarks
{
    private float[][] _rows = [];

    [Params(32_000, 128_000)]
    public int Vocabulary { get; set; }

    [Params(5)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _rows = [.. Enumerable.Range(0, Rows).Select(_ => Enumerable.Range(0, Vocabulary).Select(_ => (float)random.NextDouble()).ToArray())];
    }

    [Benchmark(Baseline = true)]
    public int ScalarLoop()
    {
        int sum = 0;
        foreach (float[] row in _rows)
        {
            int best = 0;
            for (int i = 1; i < row.Length; i++)
            {
                if (row[i] > row[best])
                {
                    best = i;
                }
            }

            sum += best;
        }

        return sum;
    }

    [Benchmark]
    public int TensorPrimitivesArgmax()
    {
        int sum = 0;
        foreach (float[] row in _rows)
        {
            sum += GreedyVerifier.Argmax(row);
        }

        return sum;
    }
}
