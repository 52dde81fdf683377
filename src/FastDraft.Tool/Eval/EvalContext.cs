namespace FastDraft.Tool;

/// <summary>Where an evaluation's inputs came from, for the report; <paramref name="Constraint"/> when the modes ran constrained.</summary>
internal sealed record EvalContext(string Target, IReadOnlyList<string> Drafts, string Prompts, DateTime DateUtc, EvalConstraint? Constraint = null)
{
    /// <summary>The target's folder and its parent's name (<c>codepair-dev/target</c>): a model folder is often just "target".</summary>
    public string Title
    {
        get
        {
            string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Target));
            string? parent = Path.GetFileName(Path.GetDirectoryName(full));
            return string.IsNullOrEmpty(parent) ? Path.GetFileName(full) : $"{parent}/{Path.GetFileName(full)}";
        }
    }
}
