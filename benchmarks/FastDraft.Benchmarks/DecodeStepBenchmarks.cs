using BenchmarkDotNet.Attributes;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;

namespace FastDraft.Benchmarks;

/// <summary>
/// One verification round on a small written model, for both cache flavours: append K + 1 tokens and
/// keep them (the baseline), or append them and roll back K (a rejection at the first proposal). The
/// difference is the cost of a rollback; both must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class DecodeStepBenchmarks
{
    private readonly int[] _block = [5, 6, 7, 8, 9];
    private string _folder = string.Empty;
    private OnnxCausalLM? _model;
    private IModelSession? _session;

    [Params(AttentionKind.GroupQueryAttention, AttentionKind.StandardOps)]
    public AttentionKind Attention { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "fastdraft-bench", Attention.ToString());
        LlamaModelWriter.Write(new DecoderSpec { VocabularySize = 32_000, HiddenSize = 256, Layers = 4, Heads = 8, KeyValueHeads = 2, IntermediateSize = 512, ContextLength = 2048, Attention = Attention }, _folder);
        _model = OnnxCausalLM.Load(_folder);
        _session = _model.CreateSession(2048);
        _session.Append([1, 2, 3, 4, 5, 6, 7, 8]);
    }

    [Benchmark(Baseline = true)]
    public float VerifyAndKeep()
    {
        _session!.Append(_block);
        float first = _session.GetLogits(0)[0];
        if (_session.Length > 1900)
        {
            _session.Truncate(8);
        }

        return first;
    }

    [Benchmark]
    public float VerifyAndRollBack()
    {
        _session!.Append(_block);
        float first = _session.GetLogits(0)[0];
        _session.Truncate(_session.Length - 4);
        if (_session.Length > 1900)
        {
            _session.Truncate(8);
        }

        return first;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _model?.Dispose();
    }
}
