namespace FastDraft.Text.Internals.Json;

/// <summary>What a schema node accepts.</summary>
internal enum SchemaKind
{
    /// <summary>One of <see cref="SchemaNode.Alternatives"/>.</summary>
    AnyOf,

    /// <summary>An object: the declared properties, or any keys when it declares none.</summary>
    Object,

    /// <summary>An array of <see cref="SchemaNode.Items"/>.</summary>
    Array,

    /// <summary>A string.</summary>
    String,

    /// <summary>A number, or an integer when <see cref="SchemaNode.Integer"/>.</summary>
    Number,

    /// <summary>One of a set of JSON texts, byte for byte (enum, const, true, false, null).</summary>
    Literal,
}

/// <summary>One node of a compiled schema; nodes refer to each other by index, so <c>{}</c> (any value) can be recursive.</summary>
internal sealed class SchemaNode
{
    public SchemaKind Kind { get; init; }

    public int[] Alternatives { get; set; } = [];

    /// <summary>The properties' names and nodes (an object that declares none takes any key, each value <see cref="Items"/>).</summary>
    public string[] PropertyNames { get; set; } = [];

    public int[] PropertyNodes { get; set; } = [];

    public uint Required { get; set; }

    /// <summary>The key trie (declared properties) or the literal trie.</summary>
    public LiteralTrie? Trie { get; set; }

    /// <summary>The items of an array, or the values of an object that declares no properties.</summary>
    public int Items { get; set; } = -1;

    public int MinCount { get; set; }

    /// <summary>maxItems or maxLength; -1 when unbounded.</summary>
    public int MaxCount { get; set; } = -1;

    public bool Integer { get; init; }

    /// <summary>The count kept in a state: up to the larger bound (0 when there is none, so that states do not multiply).</summary>
    public int CountCap => Math.Max(MinCount, MaxCount);
}
