using FastDraft.Internals.Generation;

namespace FastDraft.Tests.Core;

/// <summary>
/// The adaptive draft length on a simulated busy machine: every pass's time is its cost times a load
/// factor that changes in bursts (another process taking the cores for a while) and spikes now and then
/// (a preemption), independently for the draft and the target. The controller must keep at least 95% of
/// the throughput of the best fixed K with a good draft, and of target-only decoding with a useless one,
/// with and without the load; throughput is simulated, so the machine running the test plays no part.
/// </summary>
public sealed class AdaptiveUnderLoadTests
{
    private const int Rounds = 3000;

    public static TheoryData<double, double, bool, bool> Cases => new()
    {
        // α, draft cost per token (share of a one-token target pass), load, α falling to 0.1 in stretches (text the draft cannot predict)
        { 0.8, 0.1, false, false },
        { 0.8, 0.1, true, false },
        { 0.6, 0.2, false, false },
        { 0.6, 0.2, true, false },
        { 0.9, 0.05, true, false },
        { 0.0, 0.1, false, false },
        { 0.0, 0.1, true, false },
        { 0.3, 0.3, true, false },
        { 0.9, 0.1, false, true },
        { 0.9, 0.1, true, true },
        { 0.7, 0.15, true, true },
        { 0.97, 0.2, false, false },
        { 0.97, 0.2, true, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Adaptive_KeepsNinetyFivePercentOfTheBestFixedChoice(double alpha, double draftCost, bool load, bool phases)
    {
        const int Max = 8;
        double best = 0;
        int bestK = 0;
        for (int k = 0; k <= Max; k++)
        {
            double rate = Simulate(alpha, draftCost, load, phases, seed: 3, _ => k, (_, _, _, _) => { });
            (best, bestK) = rate > best ? (rate, k) : (best, bestK);
        }

        var controller = new DraftLengthController(Max, adaptive: true);
        controller.RecordPromptPasses(draftTicks: (long)(draftCost * 2000), targetTicks: 2000);
        var chosen = new int[Max + 1];
        double adaptive = Simulate(alpha, draftCost, load, phases, seed: 3, _ => { int k = controller.Next(); chosen[k]++; return k; }, controller.Record);
        TestContext.Current.TestOutputHelper?.WriteLine($"K chosen: {string.Join(", ", chosen)}; α {controller.Alpha:F2}");

        Assert.True(adaptive >= 0.95 * best, $"adaptive {adaptive:F4} tokens per unit, best fixed K = {bestK} {best:F4} ({adaptive / best:P1}); K chosen {string.Join(", ", chosen)}");
    }

    /// <summary>
    /// Tokens per unit of simulated time for the draft lengths <paramref name="next"/> chooses. Every
    /// strategy meets the same machine: the load, the spikes and the acceptances of round r are drawn
    /// up front from the seed, so strategies differ only in what they choose.
    /// </summary>
    private static double Simulate(double alpha, double draftCost, bool load, bool phases, int seed, Func<int, int> next, Action<int, int, long, long> record)
    {
        const int Max = 8;
        var random = new Random(seed);
        double[] draftNoise = new double[Rounds], targetNoise = new double[Rounds];
        bool[,] accepts = new bool[Rounds, Max];
        double factor = 1, roundAlpha = alpha;
        int burst = 0, phase = 0;
        for (int round = 0; round < Rounds; round++)
        {
            if (phases && --phase <= 0)
            {
                // Stretches of 30-300 rounds, alternately predictable and not.
                phase = random.Next(30, 300);
                roundAlpha = roundAlpha == alpha ? 0.1 : alpha;
            }

            if (load && --burst <= 0)
            {
                // Bursts of 20-200 rounds, each at a load factor between 1 and 4.
                burst = random.Next(20, 200);
                factor = 1 + (3 * random.NextDouble());
            }

            draftNoise[round] = Noise(random, load, factor);
            targetNoise[round] = Noise(random, load, factor);
            for (int i = 0; i < Max; i++)
            {
                accepts[round, i] = random.NextDouble() < roundAlpha;
            }
        }

        double time = 0;
        int tokens = 0;
        for (int round = 0; round < Rounds; round++)
        {
            int k = next(round);
            int accepted = 0;
            while (accepted < k && accepts[round, accepted])
            {
                accepted++;
            }

            double draft = k * draftCost * 100 * draftNoise[round];
            double verify = (100 + (8 * k)) * targetNoise[round]; // a pass of n tokens costs 100 + 8 (n - 1)
            record(k, accepted, (long)(draft * 100), (long)(verify * 100));
            time += draft + verify;
            tokens += accepted + 1;
        }

        return tokens / time;
    }

    private static double Noise(Random random, bool load, double factor)
    {
        double jitter = 1 + (0.05 * random.NextDouble());
        double spike = random.NextDouble() < 0.1 ? 2 + (8 * random.NextDouble()) : 1;
        return load ? factor * jitter * spike : jitter;
    }
}
