namespace FastDraft.OnnxRuntime.Internals.Graph;

/// <summary>How a graph lays out its key/value cache.</summary>
internal enum KvFormat
{
    /// <summary>One key and one value tensor per layer, [batch, kv heads, sequence, head size].</summary>
    KeyValue,

    /// <summary>One tensor per layer holding key and value, [2, batch, heads, sequence, head size] (older GPT-2 exports).</summary>
    Packed,
}
