namespace FastDraft.Internals.Verification;

/// <summary>The outcome of verifying one block of drafted tokens.</summary>
/// <param name="Accepted">How many leading drafted tokens were accepted.</param>
/// <param name="Next">The target's own token after the accepted ones: a correction, or a bonus when all were accepted.</param>
internal readonly record struct Verdict(int Accepted, int Next);
