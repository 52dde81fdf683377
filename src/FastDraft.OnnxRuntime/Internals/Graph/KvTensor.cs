using FastDraft.OnnxRuntime.Internals.Native;

namespace FastDraft.OnnxRuntime.Internals.Graph;

/// <summary>A past input and the present output that continues it.</summary>
internal sealed record KvTensor(NativeName Past, NativeName Present);
