namespace FastDraft;

/// <summary>
/// Chooses how many tokens to draft each round from what the generation has measured so far: the
/// acceptance rate α, the draft's time per proposed token d, and the target's time t(n) for a pass
/// of n tokens. It picks the K in [0, max] that maximises the expected tokens per second,
/// E(α, K) / (K·d + t(K + 1)) with E = (1 − α^(K+1)) / (1 − α); K = 0 is a plain target step, which
/// is what a draft that is never right earns. While at 0 it still probes K = 1 now and then (less
/// often after each probe that leaves it at 0), so a draft that starts agreeing is noticed. Until a
/// round has timed the draft, its cost is guessed from the prompt passes: a draft that read the prompt
/// in more than half the target's time drafts one token first (drafting the maximum at a target's cost
/// lost 6% of a 64-token generation here); a cheaper one starts optimistic, which suits good drafts.
/// </summary>
internal sealed class DraftLengthController
{
    private const double Smoothing = 0.2;
    private const double Forgetting = 0.9;      // per trial: acceptance reflects roughly the last ten trials
    private const double CostPerExtraToken = 0.05; // assumed cost of one more token in an unmeasured pass width (memory-bound passes)
    private const double Margin = 0.03;
    private const int FirstProbeInterval = 4;
    private const int MaxProbeInterval = 64;
    private const double ExpensivePromptPassRatio = 0.5;
    private readonly int _max;
    private readonly bool _adaptive;
    private readonly double[] _passTime; // smoothed target time by pass width (index = tokens), 0 while unseen
    private double _acceptances = 0.25;  // discounted successes and trials, from a weak prior: 1/2 over half a trial
    private double _trials = 0.5;
    private double _draftTimePerToken;
    private bool _draftTimed;
    private bool _expensiveDraft;
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

    /// <summary>Records the draft's and the target's prompt passes (timestamp ticks of the generator's time provider): the first guess at the draft's cost.</summary>
    public void RecordPromptPasses(long draftTicks, long targetTicks) =>
        _expensiveDraft = draftTicks > ExpensivePromptPassRatio * targetTicks;

    /// <summary>The number of tokens to draft this round (before the budget caps it).</summary>
    public int Next()
    {
        if (!_adaptive)
        {
            return _max;
        }

        if (!_draftTimed && _expensiveDraft)
        {
            return Math.Min(1, _max);
        }

        // Drafting must beat a plain step by a margin: the estimates are noisy on a shared machine, and a
        // noisy win of a few percent is a likely loss of a few percent.
        double plainRate = 1 / PassTime(1);
        int best = 0;
        double bestRate = plainRate * (1 + Margin);
        double bestCaseRate = 0; // with every proposal accepted
        for (int k = 1; k <= _max; k++)
        {
            double cost = (k * _draftTimePerToken) + PassTime(k + 1);
            bestCaseRate = Math.Max(bestCaseRate, (k + 1) / cost);
            double rate = ExpectedTokens(k) / cost;
            if (rate > bestRate)
            {
                (best, bestRate) = (k, rate);
            }
        }

        if (best > 0)
        {
            _roundsWithoutDraft = 0;
            _probeInterval = FirstProbeInterval;
            return best;
        }

        // Not worth drafting by the estimates: probe with one token now and then to keep α current, less
        // often after each probe that did not change the verdict (a probe costs a draft catch-up), and
        // rarely when the draft is too slow to pay off even if it were always right.
        if (++_roundsWithoutDraft >= _probeInterval)
        {
            _roundsWithoutDraft = 0;
            _probeInterval = bestCaseRate <= plainRate ? MaxProbeInterval : Math.Min(_probeInterval * 2, MaxProbeInterval);
            return 1;
        }

        return 0;
    }

    /// <summary>Records a round: its proposals, how many were accepted, and the draft and target times (timestamp ticks of the generator's time provider).</summary>
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
        double forget = Math.Pow(Forgetting, trials);
        _acceptances = (forget * _acceptances) + accepted;
        _trials = (forget * _trials) + trials;
        Smooth(ref _draftTimePerToken, (double)draftTicks / drafted);
        _draftTimed = true;
    }

    private double ExpectedTokens(int k)
    {
        double alpha = Math.Min(Acceptance, 0.999);
        return (1 - Math.Pow(alpha, k + 1)) / (1 - alpha);
    }

    /// <summary>
    /// The smoothed time of a pass of <paramref name="tokens"/>. An unmeasured width is extrapolated from
    /// the nearest measured one at 5% per token, so that neither drafting nor plain steps look better
    /// than they are before both have been tried; and no width costs more than a wider one measured
    /// since, so a stale estimate (say a plain step timed during a hiccup) cannot keep drafting on.
    /// </summary>
    private double PassTime(int tokens)
    {
        double estimate = 1;
        for (int distance = 0; distance < _passTime.Length; distance++)
        {
            if (Measured(tokens - distance) is > 0 and double below)
            {
                estimate = below;
                break;
            }

            if (Measured(tokens + distance) is > 0 and double above)
            {
                estimate = above;
                break;
            }
        }

        for (int wider = tokens + 1; wider < _passTime.Length; wider++)
        {
            if (_passTime[wider] > 0)
            {
                estimate = Math.Min(estimate, _passTime[wider]);
            }
        }

        return estimate;

        double Measured(int n) => n >= 1 && n < _passTime.Length && _passTime[n] > 0
            ? _passTime[n] * (1 + (CostPerExtraToken * (tokens - n)))
            : 0;
    }

    /// <summary>Exponential smoothing; a sample above twice the estimate (a preemption, a page fault) counts as twice the estimate.</summary>
    private static void Smooth(ref double estimate, double sample) =>
        estimate = estimate == 0 ? sample : ((1 - Smoothing) * estimate) + (Smoothing * Math.Min(sample, 2 * estimate));
}
