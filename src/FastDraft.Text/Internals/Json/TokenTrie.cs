using FastDraft.Text.Internals.Tokenizers;

namespace FastDraft.Text.Internals.Json;

/// <summary>
/// The vocabulary's token byte strings as a trie (edges and tokens per node in flat arrays), so that
/// a state's mask is one walk that steps the automaton once per trie edge instead of once per token byte.
/// Special tokens and tokens without bytes are left out.
/// </summary>
internal sealed class TokenTrie
{
    private readonly int[] _edgeStart;
    private readonly byte[] _edgeByte;
    private readonly int[] _edgeChild;
    private readonly int[] _tokenStart;
    private readonly int[] _tokens;

    public TokenTrie(TokenBytes bytes)
    {
        var children = new List<SortedDictionary<byte, int>> { new() };
        var tokensAt = new List<List<int>> { new() };
        for (int id = 0; id < bytes.Count; id++)
        {
            ReadOnlySpan<byte> text = bytes[id];
            if (text.IsEmpty || bytes.IsSpecial(id))
            {
                continue;
            }

            int node = 0;
            foreach (byte b in text)
            {
                if (!children[node].TryGetValue(b, out int child))
                {
                    child = children.Count;
                    children.Add([]);
                    tokensAt.Add([]);
                    children[node][b] = child;
                }

                node = child;
            }

            tokensAt[node].Add(id);
        }

        NodeCount = children.Count;
        _edgeStart = new int[NodeCount + 1];
        _tokenStart = new int[NodeCount + 1];
        _edgeByte = new byte[NodeCount - 1];
        _edgeChild = new int[NodeCount - 1];
        _tokens = new int[tokensAt.Sum(t => t.Count)];
        int edges = 0;
        int tokens = 0;
        for (int node = 0; node < NodeCount; node++)
        {
            _edgeStart[node] = edges;
            _tokenStart[node] = tokens;
            foreach (KeyValuePair<byte, int> edge in children[node])
            {
                _edgeByte[edges] = edge.Key;
                _edgeChild[edges++] = edge.Value;
            }

            foreach (int token in tokensAt[node])
            {
                _tokens[tokens++] = token;
            }
        }

        _edgeStart[NodeCount] = edges;
        _tokenStart[NodeCount] = tokens;
    }

    public int NodeCount { get; }

    public int EdgeStart(int node) => _edgeStart[node];

    public int EdgeEnd(int node) => _edgeStart[node + 1];

    public byte EdgeByte(int edge) => _edgeByte[edge];

    public int EdgeChild(int edge) => _edgeChild[edge];

    /// <summary>The tokens whose bytes end at <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> TokensAt(int node) => _tokens.AsSpan(_tokenStart[node], _tokenStart[node + 1] - _tokenStart[node]);
}
