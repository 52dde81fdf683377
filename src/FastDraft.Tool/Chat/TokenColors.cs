namespace FastDraft.Tool;

/// <summary>
/// Shows where each token came from, as the demo does: green drafted and accepted, yellow the target's correction, cyan
/// the bonus token of a fully accepted round, plain a token of the target alone.
/// </summary>
internal static class TokenColors
{
    public const string Legend = "\u001b[32mdrafted & accepted\u001b[0m  \u001b[33mtarget correction\u001b[0m  \u001b[36mbonus\u001b[0m  target only";

    /// <summary>Whether to colour: <c>always</c>, <c>never</c>, or <c>auto</c> (the console's own stdout, on a terminal, without NO_COLOR or TERM=dumb).</summary>
    public static bool Enabled(string mode, TextWriter output) => mode switch
    {
        "always" => true,
        "never" => false,
        _ => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
            && Environment.GetEnvironmentVariable("NO_COLOR") is null && Environment.GetEnvironmentVariable("TERM") != "dumb",
    };

    public static string Format(GeneratedToken token, bool color) => (token.Source, color) switch
    {
        (TokenSource.Draft or TokenSource.Lookup, true) => $"\u001b[32m{token.Text}\u001b[0m",
        (TokenSource.Correction, true) => $"\u001b[33m{token.Text}\u001b[0m",
        (TokenSource.Bonus, true) => $"\u001b[36m{token.Text}\u001b[0m",
        _ => token.Text ?? string.Empty,
    };
}
