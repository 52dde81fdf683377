namespace FastDraft.Text.Internals.Json;

/// <summary>A byte trie of a set of JSON texts (literal values, or property names with their quotes); each text ends at a terminal node naming its index.</summary>
internal sealed class LiteralTrie
{
    private readonly List<Dictionary<byte, int>> _children = [new()];
    private readonly List<int> _terminal = [-1];
    private readonly List<uint> _below = [0];

    /// <summary>Adds a text; <paramref name="index"/> is what reaching its end reports (under 32, for the masks).</summary>
    public void Add(ReadOnlySpan<byte> text, int index)
    {
        int node = 0;
        _below[0] |= Bit(index);
        foreach (byte b in text)
        {
            if (!_children[node].TryGetValue(b, out int child))
            {
                child = _children.Count;
                _children.Add([]);
                _terminal.Add(-1);
                _below.Add(0);
                _children[node][b] = child;
            }

            node = child;
            _below[node] |= Bit(index);
        }

        _terminal[node] = index;
    }

    /// <summary>The node after <paramref name="b"/>, or -1.</summary>
    public int Child(int node, byte b) => _children[node].TryGetValue(b, out int child) ? child : -1;

    /// <summary>The index of the text that ends here, or -1.</summary>
    public int Terminal(int node) => _terminal[node];

    public bool HasChildren(int node) => _children[node].Count > 0;

    /// <summary>The indices (as bits, the first 32) of the texts through this node.</summary>
    public uint Below(int node) => _below[node];

    private static uint Bit(int index) => index < 32 ? 1u << index : 0u;
}
