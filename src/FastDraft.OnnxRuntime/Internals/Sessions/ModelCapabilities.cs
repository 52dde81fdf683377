namespace FastDraft.OnnxRuntime.Internals.Sessions;

/// <summary>What a loaded graph was found able to do, by its metadata and a probe run at load.</summary>
/// <param name="LogitsForAllPositions">The logits output has one row per input token (not only the last).</param>
/// <param name="MultiTokenAfterPast">The graph accepts several new tokens when a past is present.</param>
/// <param name="SharedBuffer">Past and present are bound to one buffer per layer.</param>
internal sealed record ModelCapabilities(bool LogitsForAllPositions, bool MultiTokenAfterPast, bool SharedBuffer);
