using FastDraft.Training;

namespace FastDraft.Tests.Training;

/// <summary>
/// A managed softmax-regression (bigram) model as a gradient source: logits of the next token are row
/// <c>W[input]</c> plus a bias <c>b</c>; the loss is the mean cross-entropy over masked positions. Deterministic,
/// allocation-free after construction.
/// </summary>
internal sealed class BigramGradientSource : IGradientSource
{
    private readonly int _vocabulary;
    private readonly double[] _logits;
    private float[] _parameters = [];
    private float[] _gradients = [];

    public BigramGradientSource(int vocabulary)
    {
        _vocabulary = vocabulary;
        _logits = new double[vocabulary];
        Layout = new ParameterLayout(
        [
            new ParameterTensor("w", [vocabulary, vocabulary], 0, WeightDecay: true),
            new ParameterTensor("b", [vocabulary], (long)vocabulary * vocabulary, WeightDecay: false),
        ]);
    }

    public ParameterLayout Layout { get; }

    public int Computations { get; private set; }

    public bool Disposed { get; private set; }

    public void Bind(float[] parameters, float[] gradients)
    {
        _parameters = parameters;
        _gradients = gradients;
    }

    public LossParts Compute(TrainingBatch batch)
    {
        Computations++;
        int v = _vocabulary;
        int biasOffset = v * v;
        Array.Clear(_gradients);
        double counted = 0;
        foreach (float m in batch.LossMask)
        {
            counted += m;
        }

        double loss = 0;
        for (int i = 0; i < batch.InputIds.Length; i++)
        {
            double mask = batch.LossMask[i];
            if (mask == 0)
            {
                continue;
            }

            int x = (int)batch.InputIds[i];
            int y = (int)batch.TargetIds[i];
            double max = double.NegativeInfinity;
            for (int j = 0; j < v; j++)
            {
                _logits[j] = _parameters[(x * v) + j] + _parameters[biasOffset + j];
                max = Math.Max(max, _logits[j]);
            }

            double sum = 0;
            for (int j = 0; j < v; j++)
            {
                sum += Math.Exp(_logits[j] - max);
            }

            double logSum = max + Math.Log(sum);
            loss += mask * (logSum - _logits[y]);
            for (int j = 0; j < v; j++)
            {
                double g = mask * (Math.Exp(_logits[j] - logSum) - (j == y ? 1 : 0)) / counted;
                _gradients[(x * v) + j] += (float)g;
                _gradients[biasOffset + j] += (float)g;
            }
        }

        double mean = counted > 0 ? loss / counted : 0;
        return new LossParts(mean, mean, 0, counted);
    }

    public void Dispose() => Disposed = true;
}

/// <summary>Characters as token ids (<c>c + offset</c>): a tokenizer whose output tests can predict.</summary>
internal sealed class CharTokenizer(int offset = 0) : ITextTokenizer
{
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) => [.. text.Select(c => c + offset)];

    public string Decode(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            chars[i] = (char)(ids[i] - offset);
        }

        return new string(chars);
    }

    public IStreamingDecoder CreateStreamingDecoder() => throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;
}

/// <summary>Rows of a fixed id with a seeded pattern of masked-out positions (like generated continuations).</summary>
internal sealed class MaskedRowSource(int sequenceLength, int token, ulong seed) : IBatchSource
{
    private ulong _state = seed;

    public int SequenceLength { get; } = sequenceLength;

    public void FillRow(TrainingBatch batch, int row)
    {
        int offset = row * SequenceLength;
        int prompt = (int)(Next() % (ulong)SequenceLength);
        for (int i = 0; i < SequenceLength; i++)
        {
            batch.InputIds[offset + i] = token;
            batch.TargetIds[offset + i] = (token + 1 + i) % TrainingFixtures.PhraseVocabulary;
            batch.LossMask[offset + i] = i >= prompt ? 1 : 0;
        }

        if (batch.SoftTopK > 0)
        {
            int width = SequenceLength * batch.SoftTopK;
            batch.SoftIds.AsSpan(row * width, width).Fill(token);
            batch.SoftProbabilities.AsSpan(row * width, width).Fill(1f / batch.SoftTopK);
        }
    }

    public byte[] SaveState() => BitConverter.GetBytes(_state);

    public void RestoreState(ReadOnlySpan<byte> state) => _state = BitConverter.ToUInt64(state);

    private ulong Next() => _state = (_state * 6364136223846793005UL) + 1442695040888963407UL;
}

/// <summary>Records every report on the training thread, with that thread's allocated bytes at the time.</summary>
internal sealed class RecordingProgress(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
{
    public List<TrainingProgress> Reports { get; } = new(1024);

    public long[] AllocatedAtStep { get; } = new long[1024];

    public void Report(TrainingProgress value)
    {
        if (value.Step < AllocatedAtStep.Length)
        {
            AllocatedAtStep[value.Step] = GC.GetAllocatedBytesForCurrentThread();
        }

        Reports.Add(value);
        onReport?.Invoke(value);
    }
}

internal static class TrainingFixtures
{
    /// <summary>A corpus with a learnable next-token rule: repeated phrases over a small alphabet.</summary>
    public static TokenCorpus PhraseCorpus(int files = 12, int seed = 1)
    {
        var random = new Random(seed);
        string[] phrases = ["abc", "bcd", "cab", "dda", "acd"];
        var texts = new List<(string Name, string Text)>();
        for (int f = 0; f < files; f++)
        {
            var text = new System.Text.StringBuilder();
            for (int i = 0; i < 60; i++)
            {
                text.Append(phrases[random.Next(phrases.Length)]);
            }

            texts.Add(($"file{f:D2}.txt", text.ToString()));
        }

        return TokenCorpus.FromTexts(texts, new CharTokenizer(offset: -'a' + 1), separatorId: 0);
    }

    public const int PhraseVocabulary = 5;
}
