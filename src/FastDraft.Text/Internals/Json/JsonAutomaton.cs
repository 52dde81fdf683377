namespace FastDraft.Text.Internals.Json;

/// <summary>
/// A pushdown automaton over bytes that accepts the JSON texts a compiled schema allows. A stack is
/// interned (equal stacks share an id); a state is an interned set of stacks (anyOf is followed
/// down every alternative at once), and each state's transitions are cached, so that once a path
/// has been walked, walking it again allocates nothing.
/// </summary>
/// <remarks>
/// Whitespace: one optional space after ':' and after ',', nowhere else (so a model cannot loop on
/// whitespace, and the structure between values is mostly forced). Numbers are at most
/// <see cref="MaxNumberLength"/> bytes, containers nest at most <see cref="MaxDepth"/> deep, strings hold
/// valid UTF-8 without control characters and \u escapes only below U+1000 (no surrogates). Objects with
/// declared properties take only those, each at most once, in any order. Not thread-safe: the owner locks.
/// </remarks>
internal sealed partial class JsonAutomaton
{
    public const int MaxNumberLength = 24;
    public const int MaxDepth = 32;
    public const int Dead = -1;

    private const int Unknown = -2;

    private readonly IReadOnlyList<SchemaNode> _nodes;
    private readonly List<StackEntry> _stacks = [];
    private readonly Dictionary<StackEntry, int> _stackIds = [];
    private readonly List<int[]> _states = [];
    private readonly List<int[]?> _transitions = [];
    private readonly List<sbyte> _canEnd = [];
    private readonly Dictionary<int[], int> _stateIds = new(new SequenceComparer());
    private readonly List<int> _scratch = [];
    private readonly int _done;

    public JsonAutomaton(IReadOnlyList<SchemaNode> nodes, int root)
    {
        _nodes = nodes;
        _done = Intern(new StackEntry(-1, FrameKind.Done, 0, 0, 0, 0));
        Start = InternState([Intern(new StackEntry(_done, FrameKind.Value, root, 0, 0, 1))]);
    }

    /// <summary>Gets the state before any byte.</summary>
    public int Start { get; }

    public int StateCount => _states.Count;

    /// <summary>The state after <paramref name="b"/>, or <see cref="Dead"/>.</summary>
    public int Step(int state, byte b)
    {
        if (state < 0)
        {
            return Dead;
        }

        int[] transitions = _transitions[state] ??= NewTransitions();
        int next = transitions[b];
        if (next == Unknown)
        {
            _scratch.Clear();
            foreach (int stack in _states[state])
            {
                Feed(stack, b, _scratch);
            }

            next = _scratch.Count == 0 ? Dead : InternState([.. _scratch.Distinct().Order()]);
            transitions = _transitions[state]!; // interning may have grown the list, not this array
            transitions[b] = next;
        }

        return next;
    }

    /// <summary>Whether the text so far is a complete value.</summary>
    public bool CanEnd(int state)
    {
        if (state < 0)
        {
            return false;
        }

        if (_canEnd[state] == 0)
        {
            _canEnd[state] = (sbyte)(_states[state].Any(StackCanEnd) ? 1 : -1);
        }

        return _canEnd[state] > 0;
    }

    private static int[] NewTransitions()
    {
        int[] transitions = new int[256];
        Array.Fill(transitions, Unknown);
        return transitions;
    }

    private bool StackCanEnd(int stack)
    {
        StackEntry entry = _stacks[stack];
        return entry.Kind switch
        {
            FrameKind.Done => true,
            FrameKind.Number => NumberAccepts(entry.A) && StackCanEnd(Complete(stack, 0)),
            FrameKind.Literal => _nodes[entry.Node].Trie!.Terminal(entry.A) >= 0 && StackCanEnd(Complete(stack, 0)),
            _ => false,
        };
    }

    private int InternState(int[] stacks)
    {
        if (_stateIds.TryGetValue(stacks, out int id))
        {
            return id;
        }

        id = _states.Count;
        _states.Add(stacks);
        _transitions.Add(null);
        _canEnd.Add(0);
        _stateIds.Add(stacks, id);
        return id;
    }

    private int Intern(StackEntry entry)
    {
        if (!_stackIds.TryGetValue(entry, out int id))
        {
            id = _stacks.Count;
            _stacks.Add(entry);
            _stackIds.Add(entry, id);
        }

        return id;
    }

    /// <summary>A stack with the given frame on top of <paramref name="parent"/> (depth filled in here).</summary>
    private int Push(int parent, FrameKind kind, int node, int a, int b) =>
        Intern(new StackEntry(parent, kind, node, a, b, parent < 0 ? 0 : _stacks[parent].Depth + 1));

    /// <summary>The stack with its top frame replaced.</summary>
    private int Replace(int stack, FrameKind kind, int node, int a, int b) => Push(_stacks[stack].Parent, kind, node, a, b);

    private sealed class SequenceComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(obj.AsSpan()));
            return hash.ToHashCode();
        }
    }
}

/// <summary>The kinds of stack frames.</summary>
internal enum FrameKind : byte
{
    Done,
    Value,
    Object,
    Key,
    Array,
    String,
    Number,
    Literal,
}

/// <summary>One frame on top of its parent stack: what it parses (<paramref name="Node"/>), where it is (<paramref name="A"/>), and a count or mask (<paramref name="B"/>).</summary>
internal readonly record struct StackEntry(int Parent, FrameKind Kind, int Node, int A, int B, int Depth);
