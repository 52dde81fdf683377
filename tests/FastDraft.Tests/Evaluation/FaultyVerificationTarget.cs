namespace FastDraft.Tests.Evaluation;

/// <summary>Changes the logits a target returns, given the token's position in its pass and the pass's logits (a copy).</summary>
internal delegate void LogitsFault(int index, Span<float> logits);

/// <summary>
/// A deliberately broken target for the quality gate's tests: it forwards everything to the inner model,
/// but the logits of verification-sized passes (2 to <see cref="MaxFaultyPass"/> tokens) go through a fault
/// first, as when a batched pass after a cache computes something other than the single-token step. Prompt
/// passes, single-token steps and the gate's own scoring passes (longer) are left alone, so target-only
/// decoding and the gate's reference figures are the correct ones.
/// </summary>
internal sealed class FaultyVerificationTarget(ITargetModel inner, LogitsFault fault) : DelegatingTargetModel(inner)
{
    /// <summary>The longest pass the fault applies to: a verification pass at K ≤ 8. Test prompts are longer.</summary>
    public const int MaxFaultyPass = 9;

    public override IModelSession CreateSession(int capacity) => new Session(base.CreateSession(capacity), fault, Info.VocabularySize);

    /// <summary>Swaps the two most likely tokens: greedy verification then keeps the runner-up.</summary>
    public static void SwapTopTwo(int _, Span<float> logits)
    {
        int first = 0, second = -1;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[first])
            {
                second = first;
                first = i;
            }
            else if (second < 0 || logits[i] > logits[second])
            {
                second = i;
            }
        }

        (logits[first], logits[second]) = (logits[second], logits[first]);
    }

    private sealed class Session(IModelSession inner, LogitsFault fault, int vocabulary) : DelegatingModelSession(inner)
    {
        private readonly float[] _copy = new float[vocabulary];
        private int _lastCount;

        public override void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
        {
            base.Append(tokens, cancellationToken);
            _lastCount = tokens.Length;
        }

        public override ReadOnlySpan<float> GetLogits(int index)
        {
            ReadOnlySpan<float> logits = base.GetLogits(index);
            if (_lastCount is < 2 or > MaxFaultyPass)
            {
                return logits;
            }

            logits.CopyTo(_copy);
            fault(index, _copy);
            return _copy;
        }
    }
}
