namespace FastDraft;

/// <summary>
/// Chooses how many tokens to draft each round from what the generation has measured so far: the
/// acceptance rate α, the draft's time per proposed token d, and the target's time t(n) for a pass
/// of n tokens. It picks the K in [0, max] that maximises the expected tokens per second,
/// E(α, K) / (K·d + t(K + 1)) with E = (1 − α^(K+1)) / (1 − α); K = 0 is a plain target step, which
/// is what a draft that is never right earns. While at 0 it still probes K = 1 now and then (less
/// often each time the probe fails), so a draft that starts agreeing is noticed.
/// </summary>
internal sealed class DraftLengthController
{
    private const double Smoothing = 0.2;
    private const int FirstProbeInterval = 4;
    private const int MaxProbeInterval = 64;
    private readonly int _max;
    private readonly bool _adaptive;
    private readonly double[] _passTime; // smoothed target time by pass width (index = tokens), 0 while unseen
    private double _acceptances = 1;     // smoothed successes and trials, starting from a neutral prior of 1/2
    private double _trials = 2;
    private double _draftTimePerToken;
    private int _probeInterval = FirstProbeInterval;
    private int _roundsWithoutDraft;

    public DraftLengthController(int maxDraftTokens, bool adaptive)
    {
        _max = maxDraftTokens;
        _adaptive = adaptive;
        _passTime = new double[maxDraftTokens + 2];
    }

    /// <summary>Gets the current acceptance estimate.</summary>
    public double Acceptance => _acceptances / _trials;

    /// <summary>The number of tokens to draft this round (before the budget caps it).</summary>
    public int Next()
    {
        if (!_adaptive)
        {
            return _max;
        }

        int best = 0;
        double bestRate = 1 / PassTime(1);
        for (int k = 1; k <= _max; k++)
        {
            double rate = ExpectedTokens(k) / ((k * _draftTimePerToken) + PassTime(k + 1));
            if (rate > bestRate)
            {
                (best, bestRate) = (k, rate);
            }
        }

        if (best > 0)
        {
            _roundsWithoutDraft = 0;
            return best;
        }

        // Not worth drafting by the estimates: probe with one token now and then to keep α current.
        if (++_roundsWithoutDraft >= _probeInterval)
        {
            _roundsWithoutDraft = 0;
            return 1;
        }

        return 0;
    }

    /// <summary>Records a round: its proposals, how many were accepted, and the draft and target times (in stopwatch ticks).</summary>
    public void Record(int drafted, int accepted, long draftTicks, long verifyTicks)
    {
        if (!_adaptive)
        {
            return;
        }

        Smooth(ref _passTime[drafted + 1], verifyTicks);
        if (drafted == 0)
        {
            return;
        }

        // Positions up to and including the first rejection were each a trial.
        int trials = accepted + (accepted < drafted ? 1 : 0);
        _acceptances = ((1 - Smoothing) * _acceptances) + (Smoothing * accepted);
        _trials = ((1 - Smoothing) * _trials) + (Smoothing * trials);
        Smooth(ref _draftTimePerToken, (double)draftTicks / drafted);
        _probeInterval = drafted == 1 && accepted == 0 ? Math.Min(_probeInterval * 2, MaxProbeInterval) : FirstProbeInterval;
    }

    private double ExpectedTokens(int k)
    {
        double alpha = Math.Min(Acceptance, 0.999);
        return (1 - Math.Pow(alpha, k + 1)) / (1 - alpha);
    }

    /// <summary>The smoothed time of a pass of <paramref name="tokens"/>; unseen widths borrow the nearest seen one (optimistic, so wider passes get tried).</summary>
    private double PassTime(int tokens)
    {
        for (int distance = 0; distance < _passTime.Length; distance++)
        {
            int below = tokens - distance;
            int above = tokens + distance;
            if (below >= 1 && below < _passTime.Length && _passTime[below] > 0)
            {
                return _passTime[below];
            }

            if (above < _passTime.Length && _passTime[above] > 0)
            {
                return _passTime[above];
            }
        }

        return 1;
    }

    private static void Smooth(ref double estimate, double sample) =>
        estimate = estimate == 0 ? sample : ((1 - Smoothing) * estimate) + (Smoothing * sample);
}
