namespace FastDraft.Internals.Drafting;

/// <summary>
/// How often each source of a combined draft's proposals is right: the draft model, and prompt lookup by the length
/// of the match behind its continuation. Each is α (accepted ÷ judged, per proposed token), discounted so that it
/// follows the generation, from a prior worth two judgments; a chain's expected accepted tokens follow from it.
/// </summary>
internal sealed class SourceAcceptance
{
    /// <summary>The draft model's index; lookup's are 0 to <see cref="ModelSource"/> − 1, by match length.</summary>
    public const int ModelSource = 6;
    private const double Forgetting = 0.95; // per judgment: roughly the last twenty
    private const double PriorWeight = 2;

    // Lookup by match length 1, 2, 3, 4-7, 8-15, 16 and more; then the draft model.
    private static readonly double[] Priors = [0.3, 0.45, 0.55, 0.7, 0.8, 0.9, 0.6];
    private readonly double[] _accepted = new double[Priors.Length];
    private readonly double[] _judged = new double[Priors.Length];

    public SourceAcceptance()
    {
        for (int i = 0; i < Priors.Length; i++)
        {
            _accepted[i] = Priors[i] * PriorWeight;
            _judged[i] = PriorWeight;
        }
    }

    /// <summary>The source index of lookup continuing a match of <paramref name="matched"/> tokens.</summary>
    public static int LookupSource(int matched) => matched switch
    {
        <= 1 => 0,
        2 => 1,
        3 => 2,
        < 8 => 3,
        < 16 => 4,
        _ => 5,
    };

    /// <summary>α of <paramref name="source"/>.</summary>
    public double Alpha(int source) => _accepted[source] / _judged[source];

    /// <summary>Records that a proposal of <paramref name="source"/> was judged, and whether it was accepted.</summary>
    public void Record(int source, bool accepted)
    {
        _accepted[source] = (_accepted[source] * Forgetting) + (accepted ? 1 : 0);
        _judged[source] = (_judged[source] * Forgetting) + 1;
    }

    /// <summary>The expected accepted tokens of a chain of <paramref name="length"/> proposals each accepted with probability <paramref name="alpha"/> once the earlier ones were.</summary>
    public static double ExpectedAccepted(double alpha, int length) =>
        alpha >= 0.9999 ? length : alpha * (1 - Math.Pow(alpha, length)) / (1 - alpha);

    public void CopyFrom(SourceAcceptance other)
    {
        other._accepted.CopyTo(_accepted, 0);
        other._judged.CopyTo(_judged, 0);
    }
}
