using BenchmarkDotNet.Attributes;
using FastDraft.Internals.Sampling;
using FastDraft.Internals.Verification;

namespace FastDraft.Benchmarks;

/// <summary>
/// Speculative sampling verification of K drafted tokens (acceptance tests, the residual draw at a
/// rejection, the bonus draw) over K + 1 logits rows, against a plain scalar implementation of the
/// same algorithm. Temperature 0.8, the draft's logits a noisy copy of the target's.
/// </summary>
[MemoryDiagnoser]
public class SamplingVerificationBenchmarks
{
    private const float Temperature = 0.8f;
    private readonly Random _random = new(3);
    private float[][] _targetRows = [];
    private float[][] _draftDistributions = [];
    private int[] _context = [];
    private int _length;
    private RowsSession? _target;
    private TokenSampler? _sampler;
    private DraftSampler? _draft;
    private float[] _p = [];
    private float[] _residual = [];

    [Params(32_000, 128_000)]
    public int Vocabulary { get; set; }

    [Params(4)]
    public int DraftTokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        _targetRows = [.. Enumerable.Range(0, DraftTokens + 1).Select(_ => Enumerable.Range(0, Vocabulary).Select(_ => (float)(random.NextDouble() * 12)).ToArray())];
        float[][] draftRows = [.. _targetRows.Select(row => row.Select(x => x + (float)(random.NextDouble() - 0.5)).ToArray())];
        _length = 64;
        _context = new int[_length + DraftTokens + 1];
        _target = new RowsSession(_targetRows);
        _sampler = new TokenSampler(new GenerationOptions { Temperature = Temperature, Seed = 7 }, Vocabulary);

        // The draft's proposals and their distributions are made once: verification only reads them.
        _draft = new DraftSampler(_sampler, Vocabulary, DraftTokens);
        _draft.Begin(_context, _length, DraftTokens);
        for (int i = 0; i < DraftTokens; i++)
        {
            _context[_length + i] = _draft.Next(draftRows[i]);
        }

        _draftDistributions = [.. Enumerable.Range(0, DraftTokens).Select(i => _draft.Distribution(i).ToArray())];
        _p = new float[Vocabulary];
        _residual = new float[Vocabulary];
    }

    [Benchmark(Baseline = true)]
    public int ScalarLoop()
    {
        for (int i = 0; i < DraftTokens; i++)
        {
            Softmax(_targetRows[i], _p);
            int token = _context[_length + i];
            float q = _draftDistributions[i][token];
            if (_random.NextDouble() * q < _p[token])
            {
                continue;
            }

            float total = 0;
            for (int v = 0; v < _p.Length; v++)
            {
                _residual[v] = Math.Max(0, _p[v] - _draftDistributions[i][v]);
                total += _residual[v];
            }

            return i + Draw(_residual, total);
        }

        Softmax(_targetRows[DraftTokens], _p);
        return DraftTokens + Draw(_p, 1);
    }

    [Benchmark]
    public int Vectorized()
    {
        Verdict verdict = SpeculativeSamplingVerifier.Verify(_target!, _context, _length, DraftTokens, _draft!, _sampler!);
        return verdict.Accepted + verdict.Next;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _draft?.Dispose();
        _sampler?.Dispose();
    }

    private static void Softmax(float[] logits, float[] probabilities)
    {
        float max = float.NegativeInfinity;
        foreach (float logit in logits)
        {
            max = Math.Max(max, logit);
        }

        float sum = 0;
        for (int v = 0; v < logits.Length; v++)
        {
            probabilities[v] = MathF.Exp((logits[v] - max) / Temperature);
            sum += probabilities[v];
        }

        for (int v = 0; v < logits.Length; v++)
        {
            probabilities[v] /= sum;
        }
    }

    private int Draw(float[] weights, float total)
    {
        double u = _random.NextDouble() * total;
        for (int v = 0; v < weights.Length; v++)
        {
            u -= weights[v];
            if (u <= 0)
            {
                return v;
            }
        }

        return weights.Length - 1;
    }

    /// <summary>A target session that only serves fixed logits rows.</summary>
    private sealed class RowsSession(float[][] rows) : IModelSession
    {
        public int Length => 0;

        public int Capacity => int.MaxValue;

        public void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ReadOnlySpan<float> GetLogits(int index) => rows[index];

        public void Truncate(int length) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
