namespace FastDraft.Tool;

/// <summary>Checks of argument values the commands share.</summary>
internal static class ToolArguments
{
    /// <summary>Reads a <c>--minutes</c> value as a budget, refusing what is not a positive number of minutes.</summary>
    public static TimeSpan Budget(double minutes) => minutes is > 0 and < 100_000
        ? TimeSpan.FromMinutes(minutes)
        : throw new ArgumentException($"--minutes must be a positive number of minutes; got {minutes}.");
}
