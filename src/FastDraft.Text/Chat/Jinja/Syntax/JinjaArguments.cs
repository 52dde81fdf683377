namespace FastDraft.Text.Jinja;

/// <summary>The arguments of a call, filter or test: positional, then keyword.</summary>
internal sealed record JinjaArguments(IReadOnlyList<JinjaExpression> Positional, IReadOnlyList<(string Name, JinjaExpression Value)> Keywords)
{
    public static readonly JinjaArguments None = new([], []);
}
