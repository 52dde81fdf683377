namespace FastDraft.Text.Jinja;

/// <summary>
/// What <c>set</c> or <c>for</c> assigns to: one name, several (unpacking a sequence), or an attribute of a namespace
/// (<c>ns.name</c>, when <see cref="Attribute"/> is set).
/// </summary>
internal sealed record JinjaTarget(IReadOnlyList<string> Names, bool Unpacks, string? Attribute);
