using BenchmarkDotNet.Attributes;

namespace FastDraft.Benchmarks;

/// <summary>Prompt-lookup drafting over a 4k-token history.</summary>
[MemoryDiagnoser]
public class NGramBenchmarks
{
    private readonly NGramDraftModel _model = new(3, 1);
    private readonly int[] _proposal = new int[8];
    private int[] _context = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        _context = [.. Enumerable.Range(0, 4096).Select(_ => random.Next(32_000)), 11, 12, 13];
    }

    [Benchmark]
    public int Lookup() => _model.Lookup(_context, _proposal);
}
