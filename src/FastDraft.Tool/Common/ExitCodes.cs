namespace FastDraft.Tool;

/// <summary>The tool's exit codes, one meaning each, listed in every command's <c>--help</c> and in the README.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The job failed at run time (one line on stderr naming the failure).</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments or unusable inputs (one line on stderr naming the option, file or line).</summary>
    public const int UsageError = 2;

    /// <summary>The job ran but its check failed: eval's quality gate, or speculative tokens that differ from target-only's.</summary>
    public const int CheckFailed = 3;

    /// <summary>Cancelled with Ctrl-C (a recipe's work folder stays resumable).</summary>
    public const int Cancelled = 130;

    /// <summary>The exit-code paragraph of a command's help; <paramref name="checkFailed"/> says what 3 means for it, if it can happen.</summary>
    public static string Help(string? checkFailed = null) =>
        "Exit codes: 0 success; 1 the job failed at run time; 2 bad arguments or unusable inputs"
        + (checkFailed is null ? string.Empty : $"; 3 {checkFailed}")
        + "; 130 cancelled (Ctrl-C).";

    /// <summary>A command's description followed by its exit codes.</summary>
    public static string Describe(string description, string? checkFailed = null) => $"{description}{Environment.NewLine}{Help(checkFailed)}";
}
