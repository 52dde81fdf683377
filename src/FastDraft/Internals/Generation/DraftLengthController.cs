namespace FastDraft.Internals.Generation;

/// <summary>
/// Chooses how many tokens to draft each round. It picks the K in [0, max] that maximises the
/// expected speed-up over a plain target step, E(α, K) / (v(K + 1) + K·g), where
/// E = (1 − α^(K+1)) / (1 − α) is the expected tokens per round, v(n) = 1 + β(n − 1) is the cost of a
/// target pass of n tokens relative to a pass of one, and g is the draft's cost per proposed token
/// relative to that same one-token pass. K = 0 is a plain target step, which is what a draft that is
/// never right earns; while at 0 it still probes K = 1 now and then (less often after each probe that
/// leaves it at 0, but at least once every 64 rounds of the generator, however short its generations),
/// so a draft that starts agreeing, or gets cheaper, is noticed.
/// </summary>
/// <remarks>
/// <para>
/// Built to survive a busy machine, where absolute times say more about the other processes than
/// about the models. α comes from counts (accepted and judged proposals), which load cannot touch.
/// The costs are ratios between times taken moments apart, which load scales alike: g from the draft
/// and target times of the same round, β from consecutive passes of different widths (the controller
/// makes one such pair every so often by drafting one token fewer, which costs next to nothing near
/// the optimum). Each is the median of its recent samples, so a preempted pass, however slow, moves
/// nothing; β starts from a prior (memory-bound passes: 5% per extra token) and follows its samples.
/// </para>
/// <para>
/// A generator's generations share a <see cref="DraftLengthMemory"/>: each starts from what the last one
/// that finished learnt (acceptance worth a few trials, the draft's latest cost samples, the pass slope,
/// the probing interval and how many rounds ago it last drafted), so a short request neither relearns
/// that its draft is useless nor drafts blind in its first rounds, and the count to the next probe goes
/// on across requests shorter than it.
/// </para>
/// <para>
/// Until a round has timed the draft, its cost is guessed from the prompt passes: a draft that read the
/// prompt in more than half the target's time drafts one token first (the README's Performance section has
/// what drafting the maximum at a target's cost lost); a cheaper one starts optimistic, which suits good drafts.
/// Until three rounds have timed it, a verdict that the draft costs too much, which the prompt passes do
/// not back, is checked by drafting one token again (three times at most): one slow round, a process's
/// first call into a code path, stopped a good draft for good otherwise (issue 16).
/// </para>
/// </remarks>
internal sealed class DraftLengthController
{
    private const double Forgetting = 0.9;       // per trial: acceptance reflects roughly the last ten trials
    private const double PriorSlope = 0.05;      // assumed cost of one more token in a pass until pairs of widths are timed
    private const double Margin = 0.03;
    private const int FirstProbeInterval = 4;
    private const int MaxProbeInterval = 64;
    private const int RobustSamples = 3;         // a median of fewer samples is one of them, or the mean of two: one slow round decides it
    private const int ExplorationInterval = 16;  // drafting rounds between two that draft one token fewer, to time a width pair
    private const double ExpensivePromptPassRatio = 0.5;
    private readonly int _max;
    private readonly bool _adaptive;
    private readonly MedianWindow _draftCost = new(15);  // g samples
    private readonly MedianWindow _slope = new(15);      // β samples
    private readonly DraftLengthMemory? _memory;
    private double _acceptances = 0.25;  // discounted successes and trials, from a weak prior: 1/2 over half a trial
    private double _trials = 0.5;
    private bool _expensiveDraft;
    private int _probeInterval = FirstProbeInterval;
    private int _roundsWithoutDraft;
    private int _retimings;
    private int _draftingRounds;
    private int _lastWidth;
    private long _lastVerifyTicks;

    public DraftLengthController(int maxDraftTokens, bool adaptive, DraftLengthMemory? memory = null)
    {
        _max = maxDraftTokens;
        _adaptive = adaptive;
        _memory = adaptive ? memory : null;
        _memory?.Recall(this);
    }

    /// <summary>Gets the current estimate of α: accepted ÷ judged proposals (<see cref="GenerationStats.Alpha"/>), not the acceptance rate.</summary>
    public double Alpha => _acceptances / _trials;

    /// <summary>Gets the cost of one more token in a target pass, relative to a one-token pass (β).</summary>
    public double PassSlope => _slope.Count >= 3 ? Math.Max(0, _slope.Median) : PriorSlope;

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

        if (_draftCost.Count == 0 && _expensiveDraft)
        {
            return Math.Min(1, _max);
        }

        // Drafting must beat a plain step by a margin: a noisy win of a few percent is a likely loss.
        double g = _draftCost.Count == 0 ? 0 : _draftCost.Median;
        double slope = PassSlope;
        int best = 0;
        double bestGain = 1 + Margin;
        double bestCaseGain = 0; // with every proposal accepted
        for (int k = 1; k <= _max; k++)
        {
            double cost = 1 + (slope * k) + (k * g);
            bestCaseGain = Math.Max(bestCaseGain, (k + 1) / cost);
            double gain = ExpectedTokens(k) / cost;
            if (gain > bestGain)
            {
                (best, bestGain) = (k, gain);
            }
        }

        if (best > 0)
        {
            _roundsWithoutDraft = 0;
            _probeInterval = FirstProbeInterval;
            return best > 1 && ++_draftingRounds % ExplorationInterval == 0 ? best - 1 : best;
        }

        // A verdict against a draft the acceptance says pays, resting on its cost as timed in one or two
        // rounds (and not on prompt passes that found it expensive), is not trusted: a process's first call
        // into a code path cost 36-75 ms for 3 tokens against 0.3 ms a token after. Draft one token to time
        // it again, a few times at most (a draft that keeps declining its first token gives no time).
        if (_draftCost.Count < RobustSamples && !_expensiveDraft && _retimings < RobustSamples && ExpectedTokens(1) / (1 + slope) > 1 + Margin)
        {
            _retimings++;
            return 1;
        }

        // Not worth drafting by the estimates: probe with one token now and then to keep α current, less
        // often after each probe that did not change the verdict (a probe costs a draft catch-up), and
        // rarely when the draft is too slow to pay off even if it were always right: but only once that
        // verdict rests on a median of several rounds, or the prompt passes agree with it. A single slow
        // round (see above) would otherwise stop drafting for the longest interval on its own.
        if (++_roundsWithoutDraft >= _probeInterval)
        {
            _roundsWithoutDraft = 0;
            bool hopeless = bestCaseGain <= 1 && (_draftCost.Count >= RobustSamples || _expensiveDraft);
            _probeInterval = hopeless ? MaxProbeInterval : Math.Min(_probeInterval * 2, MaxProbeInterval);
            return 1;
        }

        return 0;
    }

    /// <summary>Records a round: its proposals, how many were accepted, and the draft and target times (timestamp ticks of the generator's time provider).</summary>
    public void Record(int drafted, int accepted, long draftTicks, long verifyTicks)
    {
        if (!_adaptive || verifyTicks <= 0)
        {
            return;
        }

        // Two consecutive passes of different widths ran under nearly the same load: their ratio times β.
        int width = drafted + 1;
        if (_lastWidth > 0 && width != _lastWidth)
        {
            double ratio = (double)verifyTicks / _lastVerifyTicks;
            _slope.Add(Math.Clamp((ratio - 1) / (width - _lastWidth), -1, 4));
        }

        (_lastWidth, _lastVerifyTicks) = (width, verifyTicks);
        if (drafted == 0)
        {
            return;
        }

        // Positions up to and including the first rejection were each a trial.
        int trials = accepted + (accepted < drafted ? 1 : 0);
        double forget = Math.Pow(Forgetting, trials);
        _acceptances = (forget * _acceptances) + accepted;
        _trials = (forget * _trials) + trials;

        // The draft's cost per token against this round's own target pass, brought to a one-token pass.
        double onePass = verifyTicks / (1 + (PassSlope * drafted));
        _draftCost.Add((double)draftTicks / drafted / onePass);
    }

    /// <summary>Hands what this generation learnt to the next ones (call when it ends normally).</summary>
    public void Remember() => _memory?.Keep(this);

    private double ExpectedTokens(int k)
    {
        double alpha = Math.Min(Alpha, 0.999);
        return (1 - Math.Pow(alpha, k + 1)) / (1 - alpha);
    }

    /// <summary>
    /// The median of the last few samples: one outlier (a preemption, a page fault) moves nothing. It is
    /// recomputed when a sample arrives (once per round), so reading it costs nothing.
    /// </summary>
    private sealed class MedianWindow(int capacity)
    {
        private readonly double[] _samples = new double[capacity];
        private int _next;

        public int Count { get; private set; }

        public double Median { get; private set; }

        public void Add(double sample)
        {
            _samples[_next] = sample;
            _next = (_next + 1) % _samples.Length;
            Count = Math.Min(Count + 1, _samples.Length);
            Span<double> sorted = stackalloc double[Count];
            _samples.AsSpan(0, Count).CopyTo(sorted);
            sorted.Sort();
            Median = Count % 2 == 1 ? sorted[Count / 2] : (sorted[(Count / 2) - 1] + sorted[Count / 2]) / 2;
        }

        /// <summary>Copies the latest samples (as many as fit, or all), oldest first; returns how many.</summary>
        public int CopyLatest(Span<double> destination)
        {
            int count = Math.Min(Count, destination.Length);
            for (int i = 0; i < count; i++)
            {
                destination[i] = _samples[(_next - count + i + _samples.Length) % _samples.Length];
            }

            return count;
        }
    }

    /// <summary>
    /// What one generation learnt, for the next generations of the same generator: acceptance scaled to
    /// at most <see cref="RememberedTrials"/> trials (a new text soon outweighs it), the median pass
    /// slope, the probing interval, and, to go on from, the draft's latest cost samples and the rounds
    /// since the last draft. The last <see cref="RobustSamples"/> samples, not their median handed on as
    /// one sample: that kept a one-off slow round's weight for generations (each generation's probe only
    /// halved it), where the next generation's first probe now outvotes it; and no more, so that samples
    /// of a draft that has got cheaper soon outweigh them too. The count, so that generations shorter than
    /// the interval still probe (each counting from 0, none reached 64 rounds, and a draft judged useless
    /// once was never tried again). Thread-safe: concurrent generations read and write it whole.
    /// </summary>
    internal sealed class DraftLengthMemory
    {
        private const double RememberedTrials = 4;
        private readonly Lock _gate = new();
        private double _acceptances;
        private double _trials;
        private readonly double[] _draftCosts = new double[RobustSamples];
        private int _draftCostCount;
        private double _slope = double.NaN;
        private int _probeInterval = FirstProbeInterval;
        private int _roundsWithoutDraft;

        public void Recall(DraftLengthController controller)
        {
            lock (_gate)
            {
                if (_trials <= 0)
                {
                    return;
                }

                controller._acceptances = _acceptances;
                controller._trials = _trials;
                for (int i = 0; i < _draftCostCount; i++)
                {
                    controller._draftCost.Add(_draftCosts[i]);
                }

                if (!double.IsNaN(_slope))
                {
                    for (int i = 0; i < 3; i++)
                    {
                        controller._slope.Add(_slope);
                    }
                }

                controller._probeInterval = _probeInterval;
                controller._roundsWithoutDraft = _roundsWithoutDraft;
            }
        }

        public void Keep(DraftLengthController controller)
        {
            if (controller._draftCost.Count == 0)
            {
                return; // it never drafted: nothing learnt about the draft
            }

            double scale = Math.Min(1, RememberedTrials / controller._trials);
            double slope = controller._slope.Count >= 3 ? controller._slope.Median : double.NaN;
            lock (_gate)
            {
                (_acceptances, _trials) = (controller._acceptances * scale, controller._trials * scale);
                (_draftCostCount, _slope) = (controller._draftCost.CopyLatest(_draftCosts), slope);
                (_probeInterval, _roundsWithoutDraft) = (controller._probeInterval, controller._roundsWithoutDraft);
            }
        }
    }
}
