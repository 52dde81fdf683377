namespace FastDraft.Text.Internals.Json;

/// <summary>The automaton's byte transitions, one method per frame kind.</summary>
internal sealed partial class JsonAutomaton
{
    // Object frames: A = step | property << 4, B = the properties seen (a mask).
    private const int ObjectStart = 0;
    private const int ObjectAfterComma = 1;
    private const int ObjectAfterSpace = 2;
    private const int ObjectAfterKey = 3;
    private const int ObjectInValue = 5;
    private const int ObjectAfterValue = 6;
    private const int ObjectInKey = 7;

    // Array frames: A = step, B = the items so far (capped at the larger bound).
    private const int ArrayStart = 0;
    private const int ArrayInItem = 1;
    private const int ArrayAfterItem = 2;

    // String frames: A = step, B = the characters so far (capped).
    private const int StringEscape = 1;
    private const int StringHexFirst = 14;
    private const int StringContinuation = 20; // + bytes left
    private const int StringAfterE0 = 30;
    private const int StringAfterED = 31;
    private const int StringAfterF0 = 32;
    private const int StringAfterF4 = 33;

    /// <summary>Adds to <paramref name="output"/> the stacks <paramref name="stack"/> becomes after <paramref name="c"/>.</summary>
    private void Feed(int stack, byte c, List<int> output)
    {
        StackEntry e = _stacks[stack];
        switch (e.Kind)
        {
            case FrameKind.Value: FeedValue(stack, e, c, output); break;
            case FrameKind.Object: FeedObject(stack, e, c, output); break;
            case FrameKind.Key: FeedKey(stack, e, c, output); break;
            case FrameKind.Array: FeedArray(stack, e, c, output); break;
            case FrameKind.String: FeedString(stack, e, c, output); break;
            case FrameKind.Number: FeedNumber(stack, e, c, output); break;
            case FrameKind.Literal: FeedLiteral(stack, e, c, output); break;
            default: break; // Done: nothing follows a complete value
        }
    }

    private void FeedValue(int stack, StackEntry e, byte c, List<int> output)
    {
        if (e.A == 1 && c == ' ')
        {
            output.Add(Replace(stack, FrameKind.Value, e.Node, 0, 0));
            return;
        }

        SchemaNode node = _nodes[e.Node];
        switch (node.Kind)
        {
            case SchemaKind.AnyOf:
                foreach (int alternative in node.Alternatives)
                {
                    Feed(Replace(stack, FrameKind.Value, alternative, 0, 0), c, output);
                }

                break;
            case SchemaKind.Object when c == '{' && e.Depth < MaxDepth:
                output.Add(Replace(stack, FrameKind.Object, e.Node, ObjectStart, 0));
                break;
            case SchemaKind.Array when c == '[' && e.Depth < MaxDepth:
                output.Add(Replace(stack, FrameKind.Array, e.Node, ArrayStart, 0));
                break;
            case SchemaKind.String when c == '"':
                output.Add(Replace(stack, FrameKind.String, e.Node, 0, 0));
                break;
            case SchemaKind.Number:
                Feed(Replace(stack, FrameKind.Number, e.Node, 0, 0), c, output);
                break;
            case SchemaKind.Literal:
                Feed(Replace(stack, FrameKind.Literal, e.Node, 0, 0), c, output);
                break;
            default:
                break;
        }
    }

    private void FeedObject(int stack, StackEntry e, byte c, List<int> output)
    {
        SchemaNode node = _nodes[e.Node];
        int step = e.A & 15;
        uint seen = (uint)e.B;
        bool complete = (node.Required & ~seen) == 0;
        switch (step)
        {
            case ObjectStart when c == '}':
                if (complete)
                {
                    output.Add(Complete(stack, 0));
                }

                break;
            case ObjectAfterComma when c == ' ':
                output.Add(Replace(stack, FrameKind.Object, e.Node, ObjectAfterSpace, e.B));
                break;
            case ObjectStart or ObjectAfterComma or ObjectAfterSpace:
                int parent = Replace(stack, FrameKind.Object, e.Node, ObjectInKey, e.B);
                if (node.Trie is null)
                {
                    if (c == '"')
                    {
                        output.Add(Push(parent, FrameKind.String, -1, 0, 0));
                    }
                }
                else
                {
                    Feed(Push(parent, FrameKind.Key, e.Node, 0, e.B), c, output);
                }

                break;
            case ObjectAfterKey when c == ':':
                int property = e.A >> 4;
                int value = node.Trie is null ? node.Items : node.PropertyNodes[property];
                output.Add(Push(Replace(stack, FrameKind.Object, e.Node, ObjectInValue | (property << 4), e.B), FrameKind.Value, value, 1, 0));
                break;
            case ObjectAfterValue when c == ',':
                if (node.Trie is null || (AllProperties(node) & ~seen) != 0)
                {
                    output.Add(Replace(stack, FrameKind.Object, e.Node, ObjectAfterComma, e.B));
                }

                break;
            case ObjectAfterValue when c == '}':
                if (complete)
                {
                    output.Add(Complete(stack, 0));
                }

                break;
            default:
                break;
        }
    }

    private void FeedKey(int stack, StackEntry e, byte c, List<int> output)
    {
        LiteralTrie trie = _nodes[e.Node].Trie!;
        int child = trie.Child(e.A, c);
        if (child < 0 || (trie.Below(child) & ~(uint)e.B) == 0)
        {
            return;
        }

        int property = trie.Terminal(child);
        output.Add(property >= 0 ? Complete(stack, property) : Replace(stack, FrameKind.Key, e.Node, child, e.B));
    }

    private void FeedArray(int stack, StackEntry e, byte c, List<int> output)
    {
        SchemaNode node = _nodes[e.Node];
        bool room = node.MaxCount < 0 || e.B < node.MaxCount;
        switch (e.A)
        {
            case ArrayStart when c == ']':
                if (node.MinCount == 0)
                {
                    output.Add(Complete(stack, 0));
                }

                break;
            case ArrayStart:
                if (room)
                {
                    Feed(Push(Replace(stack, FrameKind.Array, e.Node, ArrayInItem, e.B), FrameKind.Value, node.Items, 0, 0), c, output);
                }

                break;
            case ArrayAfterItem when c == ',':
                if (room)
                {
                    output.Add(Push(Replace(stack, FrameKind.Array, e.Node, ArrayInItem, e.B), FrameKind.Value, node.Items, 1, 0));
                }

                break;
            case ArrayAfterItem when c == ']':
                if (e.B >= node.MinCount)
                {
                    output.Add(Complete(stack, 0));
                }

                break;
            default:
                break;
        }
    }

    private void FeedString(int stack, StackEntry e, byte c, List<int> output)
    {
        SchemaNode? node = e.Node < 0 ? null : _nodes[e.Node];
        int min = node?.MinCount ?? 0;
        int max = node?.MaxCount ?? -1;
        int cap = node?.CountCap ?? 0;
        bool room = max < 0 || e.B < max;
        int counted = Math.Min(e.B + 1, cap);
        int next = e.A switch
        {
            0 => c switch
            {
                (byte)'"' => e.B >= min ? -2 : -1,
                (byte)'\\' => room ? StringEscape : -1,
                < 0x20 => -1,
                < 0x80 => room ? 0 : -1,
                >= 0xC2 and <= 0xDF => room ? StringContinuation + 1 : -1,
                0xE0 => room ? StringAfterE0 : -1,
                0xED => room ? StringAfterED : -1,
                >= 0xE1 and <= 0xEF => room ? StringContinuation + 2 : -1,
                0xF0 => room && cap == 0 ? StringAfterF0 : -1, // 4-byte characters only where lengths are not counted (they are 2 UTF-16 units)
                >= 0xF1 and <= 0xF3 => room && cap == 0 ? StringContinuation + 3 : -1,
                0xF4 => room && cap == 0 ? StringAfterF4 : -1,
                _ => -1,
            },
            StringEscape => c is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t' ? 0 : c == 'u' ? StringHexFirst : -1,
            StringHexFirst => c == '0' ? StringHexFirst - 1 : -1, // \u0XXX: never a surrogate
            > 10 and < StringHexFirst => char.IsAsciiHexDigit((char)c) ? (e.A == 11 ? 0 : e.A - 1) : -1,
            > StringContinuation and <= StringContinuation + 3 => c is >= 0x80 and <= 0xBF ? (e.A == StringContinuation + 1 ? 0 : e.A - 1) : -1,
            StringAfterE0 => c is >= 0xA0 and <= 0xBF ? StringContinuation + 1 : -1,
            StringAfterED => c is >= 0x80 and <= 0x9F ? StringContinuation + 1 : -1,
            StringAfterF0 => c is >= 0x90 and <= 0xBF ? StringContinuation + 2 : -1,
            StringAfterF4 => c is >= 0x80 and <= 0x8F ? StringContinuation + 2 : -1,
            _ => -1,
        };

        if (next == -2)
        {
            output.Add(Complete(stack, 0));
        }
        else if (next >= 0)
        {
            // A character is counted at its first byte.
            output.Add(Replace(stack, FrameKind.String, e.Node, next, e.A == 0 ? counted : e.B));
        }
    }

    private void FeedNumber(int stack, StackEntry e, byte c, List<int> output)
    {
        // Within the length cap, a step to a state that is not a number yet ("-", "1.", "1e", "1e+") leaves room for the digit it needs.
        int next = NumberNext(e.A, c, _nodes[e.Node].Integer);
        if (next >= 0 && e.B + (NumberAccepts(next) ? 1 : 2) <= MaxNumberLength)
        {
            output.Add(Replace(stack, FrameKind.Number, e.Node, next, e.B + 1));
        }
        else if (NumberAccepts(e.A))
        {
            Feed(Complete(stack, 0), c, output);
        }
    }

    private void FeedLiteral(int stack, StackEntry e, byte c, List<int> output)
    {
        LiteralTrie trie = _nodes[e.Node].Trie!;
        int child = trie.Child(e.A, c);
        if (child >= 0)
        {
            output.Add(trie.Terminal(child) >= 0 && !trie.HasChildren(child) ? Complete(stack, 0) : Replace(stack, FrameKind.Literal, e.Node, child, 0));
        }

        if (trie.Terminal(e.A) >= 0)
        {
            Feed(Complete(stack, 0), c, output); // a literal that is a prefix of another ("1" and "12") may also end here
        }
    }

    /// <summary>The stack after the value on top of <paramref name="stack"/> is complete (<paramref name="info"/>: a key's property).</summary>
    private int Complete(int stack, int info)
    {
        int parent = _stacks[stack].Parent;
        StackEntry p = _stacks[parent];
        if (p.Kind == FrameKind.Object)
        {
            SchemaNode node = _nodes[p.Node];
            if ((p.A & 15) == ObjectInKey)
            {
                return Replace(parent, FrameKind.Object, p.Node, ObjectAfterKey | (info << 4), p.B);
            }

            int seen = node.Trie is null ? 0 : p.B | (int)(1u << (p.A >> 4));
            return Replace(parent, FrameKind.Object, p.Node, ObjectAfterValue, seen);
        }

        if (p.Kind == FrameKind.Array)
        {
            return Replace(parent, FrameKind.Array, p.Node, ArrayAfterItem, Math.Min(p.B + 1, _nodes[p.Node].CountCap));
        }

        return parent; // Done
    }

    private static uint AllProperties(SchemaNode node) =>
        node.PropertyNames.Length >= 32 ? uint.MaxValue : (1u << node.PropertyNames.Length) - 1;

    private static bool NumberAccepts(int step) => step is 2 or 3 or 5 or 8;

    /// <summary>The JSON number grammar as a DFA: 0 start, 1 '-', 2 '0', 3 integer digits, 4 '.', 5 fraction digits, 6 'e', 7 exponent sign, 8 exponent digits.</summary>
    private static int NumberNext(int step, byte c, bool integer)
    {
        bool digit = c is >= (byte)'0' and <= (byte)'9';
        bool exponent = !integer && c is (byte)'e' or (byte)'E';
        return step switch
        {
            0 => c == '-' ? 1 : c == '0' ? 2 : digit ? 3 : -1,
            1 => c == '0' ? 2 : digit ? 3 : -1,
            2 => !integer && c == '.' ? 4 : exponent ? 6 : -1,
            3 => digit ? 3 : !integer && c == '.' ? 4 : exponent ? 6 : -1,
            4 => digit ? 5 : -1,
            5 => digit ? 5 : exponent ? 6 : -1,
            6 => c is (byte)'+' or (byte)'-' ? 7 : digit ? 8 : -1,
            7 or 8 => digit ? 8 : -1,
            _ => -1,
        };
    }
}
