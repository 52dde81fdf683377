namespace FastDraft.OnnxRuntime.Internals.Graph;

/// <summary>The inputs and outputs of one attention node that FastDraft cares about.</summary>
internal readonly record struct AttentionNode(string PastKey, string PastValue, string PresentKey, string PresentValue);
