using FastDraft.Text.Internals.Tokenizers;

namespace FastDraft.Text.Internals.Json;

/// <summary>
/// A compiled constraint over a vocabulary: the byte automaton, the token trie, and each automaton
/// state's token mask, computed on first use and cached. Shared by every generation of one
/// <see cref="JsonConstraint"/>; each call locks (the caches grow), and once the states a generation
/// walks are cached, calls allocate nothing.
/// </summary>
internal sealed class ConstraintEngine
{
    private readonly JsonAutomaton _automaton;
    private readonly TokenTrie _trie;
    private readonly TokenBytes _bytes;
    private readonly int[] _endOfSequence;
    private readonly List<Mask?> _masks = [];
    private readonly Lock _lock = new();
    private int[] _walkNodes = new int[256];
    private int[] _walkStates = new int[256];

    public ConstraintEngine(JsonAutomaton automaton, TokenBytes bytes, int[] endOfSequence)
    {
        _automaton = automaton;
        _bytes = bytes;
        _trie = new TokenTrie(bytes);
        _endOfSequence = endOfSequence;
    }

    public int Start => _automaton.Start;

    /// <summary>
    /// The state after an end-of-sequence token that ended a complete value: the generation stops there, but a draft
    /// (and the target's row after an accepted draft) may look past it, so nothing is masked.
    /// </summary>
    public const int Ended = -3;

    /// <summary>The state after <paramref name="token"/>: <see cref="Ended"/> after end-of-sequence, <see cref="JsonAutomaton.Dead"/> after a token the state does not allow.</summary>
    public int Advance(int state, int token)
    {
        if (state == Ended)
        {
            return Ended;
        }

        if (state >= 0 && IsEndOfSequence(token))
        {
            lock (_lock)
            {
                return _automaton.CanEnd(state) ? Ended : JsonAutomaton.Dead;
            }
        }

        if (state < 0 || (uint)token >= (uint)_bytes.Count || _bytes.IsSpecial(token))
        {
            return JsonAutomaton.Dead;
        }

        lock (_lock)
        {
            foreach (byte b in _bytes[token])
            {
                state = _automaton.Step(state, b);
                if (state < 0)
                {
                    break;
                }
            }
        }

        return state;
    }

    /// <summary>Sets every logit the state does not allow to -infinity.</summary>
    public void Apply(int state, Span<float> logits)
    {
        if (state == Ended)
        {
            return;
        }

        if (state < 0)
        {
            logits.Fill(float.NegativeInfinity);
            return;
        }

        ulong[] bits = MaskOf(state).Bits;
        for (int word = 0; word * 64 < logits.Length; word++)
        {
            ulong allowed = word < bits.Length ? bits[word] : 0;
            if (allowed == ulong.MaxValue)
            {
                continue;
            }

            int end = Math.Min(logits.Length, (word + 1) * 64);
            for (int i = word * 64; i < end; i++)
            {
                if ((allowed & (1UL << (i & 63))) == 0)
                {
                    logits[i] = float.NegativeInfinity;
                }
            }
        }
    }

    /// <summary>The one token the state allows, or -1 when it allows several (or none).</summary>
    public int SingleToken(int state) => state < 0 ? -1 : MaskOf(state) is { Count: 1 } mask ? mask.Single : -1;

    public bool IsEndOfSequence(int token) => _endOfSequence.AsSpan().Contains(token);

    /// <summary>The number of tokens the state allows (for tests and benchmarks).</summary>
    public int AllowedCount(int state) => state < 0 ? 0 : MaskOf(state).Count;

    private Mask MaskOf(int state)
    {
        lock (_lock)
        {
            while (_masks.Count <= state)
            {
                _masks.Add(null);
            }

            return _masks[state] ??= Compute(state);
        }
    }

    /// <summary>Walks the token trie from <paramref name="state"/>: a token is allowed when every one of its bytes keeps the text valid.</summary>
    private Mask Compute(int state)
    {
        var bits = new ulong[(_bytes.Count + 63) / 64];
        int count = 0;
        int single = -1;
        int top = 0;
        _walkNodes[top] = 0;
        _walkStates[top++] = state;
        while (top > 0)
        {
            int node = _walkNodes[--top];
            int from = _walkStates[top];
            for (int edge = _trie.EdgeStart(node); edge < _trie.EdgeEnd(node); edge++)
            {
                int next = _automaton.Step(from, _trie.EdgeByte(edge));
                if (next < 0)
                {
                    continue;
                }

                int child = _trie.EdgeChild(edge);
                foreach (int token in _trie.TokensAt(child))
                {
                    bits[token >> 6] |= 1UL << (token & 63);
                    count++;
                    single = token;
                }

                if (top == _walkNodes.Length)
                {
                    Array.Resize(ref _walkNodes, top * 2);
                    Array.Resize(ref _walkStates, top * 2);
                }

                _walkNodes[top] = child;
                _walkStates[top++] = next;
            }
        }

        if (_automaton.CanEnd(state))
        {
            foreach (int token in _endOfSequence)
            {
                if ((uint)token < (uint)_bytes.Count)
                {
                    bits[token >> 6] |= 1UL << (token & 63);
                    count++;
                    single = token;
                }
            }
        }

        return new Mask(bits, count, single);
    }

    private sealed record Mask(ulong[] Bits, int Count, int Single);
}
