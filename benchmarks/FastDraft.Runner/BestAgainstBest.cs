namespace FastDraft.Runner;

/// <summary>A pair's fastest mode of ours against GenAI's fastest (mode names with system and threads), and ours ÷ theirs per repetition, then the median.</summary>
public sealed record BestAgainstBest(string Target, string Ours, double OursTokensPerSecond, string Peer, double PeerTokensPerSecond, double Ratio);
