namespace FastDraft.Text.Internals.Json;

/// <summary>
/// One generation's matcher: the automaton state after each generated token, kept for the longest
/// prefix the calls share, so that each call only steps the tokens that are new since the last one
/// (and rolled-back drafts cost nothing but the prefix comparison).
/// </summary>
internal sealed class ConstraintMatcher(ConstraintEngine engine) : ITokenMatcher
{
    private int[] _tokens = new int[64];
    private int[] _states = CreateStates(engine.Start);
    private int _count;

    public void Mask(Span<float> logits, ReadOnlySpan<int> generated) => engine.Apply(StateAfter(generated), logits);

    public int GetForcedTokens(ReadOnlySpan<int> generated, Span<int> destination)
    {
        int state = StateAfter(generated);
        int forced = 0;
        while (forced < destination.Length)
        {
            int token = engine.SingleToken(state);
            if (token < 0)
            {
                break;
            }

            destination[forced++] = token;
            if (engine.IsEndOfSequence(token))
            {
                break;
            }

            state = engine.Advance(state, token);
        }

        return forced;
    }

    private static int[] CreateStates(int start)
    {
        int[] states = new int[65];
        states[0] = start;
        return states;
    }

    private int StateAfter(ReadOnlySpan<int> generated)
    {
        int shared = generated.CommonPrefixLength(_tokens.AsSpan(0, _count));
        _count = shared;
        if (generated.Length > _tokens.Length)
        {
            int size = Math.Max(generated.Length, 2 * _tokens.Length);
            Array.Resize(ref _tokens, size);
            Array.Resize(ref _states, size + 1);
        }

        for (; _count < generated.Length; _count++)
        {
            _tokens[_count] = generated[_count];
            _states[_count + 1] = engine.Advance(_states[_count], generated[_count]);
        }

        return _states[generated.Length];
    }
}
