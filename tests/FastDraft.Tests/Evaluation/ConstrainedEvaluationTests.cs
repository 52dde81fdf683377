using FastDraft.Evaluation;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Evaluation;

/// <summary><see cref="PairEvaluator"/> with <see cref="EvaluationOptions.Constraint"/> and its unconstrained twins, on fake models and a fake constraint.</summary>
public sealed class ConstrainedEvaluationTests
{
    private const int Vocabulary = 48;

    private static readonly EvaluationOptions Short = new() { MaxNewTokens = 24, Repetitions = 2, DraftTokenSweep = [2, 4] };

    private static int[][] Prompts(int count) =>
        [.. Enumerable.Range(0, count).Select(p => Enumerable.Range(0, 12 + p).Select(i => ((i * 7) + (p * 13) + 1) % Vocabulary).ToArray())];

    [Fact]
    public void Run_ConstraintWithUnconstrainedTwins_GatesEachGroupAgainstItsOwnTargetOnly()
    {
        ITargetModel target = LogitsModel.Hashed(Vocabulary, seed: 3);
        EvaluationOptions options = Short with { Constraint = new EvenPositionConstraint(), CompareUnconstrained = true };

        EvaluationReport report = PairEvaluator.Run(target, [Proposer.FromModel("draft", LogitsModel.Hashed(Vocabulary, seed: 4))], Prompts(3), options);

        Assert.True(report.Quality.Passed);
        Assert.Equal(2 * 2 * 3 * 3, report.Quality.Compared); // 2 groups × 2 repetitions × 3 prompts × (K = 2, 4, adaptive)
        Assert.Equal(
            ["target-only", "draft K=2", "draft K=4", "draft adaptive", "target-only, unconstrained", "draft K=2, unconstrained", "draft K=4, unconstrained", "draft adaptive, unconstrained"],
            report.Modes.Select(m => m.Name));
        foreach (ModeReport mode in report.Modes)
        {
            Assert.Equal(mode.Name.EndsWith(PairEvaluator.UnconstrainedSuffix, StringComparison.Ordinal), mode.Unconstrained);
            if (mode.Unconstrained)
            {
                Assert.Equal((0L, 0.0), (mode.GrammarTokens, mode.ForcedShare));
                Assert.True(double.IsNaN(mode.SpeedupOverUnconstrained), mode.Name);
            }
            else
            {
                Assert.True(mode.GrammarTokens > 0, mode.Name);
                Assert.InRange(mode.ForcedShare, double.Epsilon, 1);
                Assert.True(mode.SpeedupOverUnconstrained > 0, mode.Name);
            }
        }

        Assert.Equal(11 / 24.0, report.Modes[0].ForcedShare, 12); // target-only: positions 2, 4, ..., 22 forced at the start of their rounds (0 comes from the prompt pass)
        Assert.Equal(1.0, report.Modes.Single(m => m.Name == "target-only, unconstrained").Speedup); // over its own baseline
        Assert.DoesNotContain(report.Sweep, p => p.Proposer.Contains("unconstrained", StringComparison.Ordinal));
        Assert.Equal(2, report.Sweep.Count);
        Assert.DoesNotContain(PairEvaluator.UnconstrainedSuffix, report.Recommendation.Mode, StringComparison.Ordinal);
        Assert.Equal(3, report.TargetOnlyOutputs.Count);
        Assert.All(report.TargetOnlyOutputs, output =>
        {
            Assert.Equal(Short.MaxNewTokens, output.Count);
            for (int i = 0; i < output.Count; i += 2)
            {
                Assert.Equal(EvenPositionConstraint.Forced(i), output[i]);
            }
        });
    }

    [Fact]
    public void Run_SampledWithConstraintAndTwins_SharesTheConfidenceAmongEveryComparedMode()
    {
        ITargetModel target = LogitsModel.Hashed(Vocabulary, seed: 5);
        EvaluationOptions options = Short with { Temperature = 1, Repetitions = 3, Seed = 11, DraftTokenSweep = [4], Constraint = new EvenPositionConstraint(), CompareUnconstrained = true };

        EvaluationReport report = PairEvaluator.Run(target, [Proposer.FromModel("draft", LogitsModel.Hashed(Vocabulary, seed: 6))], Prompts(8), options);

        Assert.True(report.Quality.Passed, string.Join("; ", report.Quality.LogProbabilities.Select(c => $"{c.Mode} {c.Difference}")));
        Assert.Equal(["draft K=4", "draft adaptive", "draft K=4, unconstrained", "draft adaptive, unconstrained"], report.Quality.LogProbabilities.Select(c => c.Mode));
        Assert.InRange(report.Quality.LogProbabilities[0].Difference.Level, 0.9974, 0.9976); // 0.99 shared by four modes
        Assert.NotEqual(report.Quality.LogProbabilities[0].BaselineMean, report.Quality.LogProbabilities[2].BaselineMean); // each against its own target-only
    }

    [Fact]
    public void Run_CompareUnconstrainedWithoutAConstraint_ThrowsNamingIt()
    {
        ITargetModel target = LogitsModel.Hashed(Vocabulary, seed: 3);

        var error = Assert.Throws<ArgumentException>(() => PairEvaluator.Run(target, [Proposer.NGram(2)], Prompts(1), Short with { CompareUnconstrained = true }));

        Assert.Contains("CompareUnconstrained", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Forces a known token at every even position of the output and leaves odd positions free.</summary>
    private sealed class EvenPositionConstraint : ITokenConstraint
    {
        public static int Forced(int position) => ((position * 5) + 1) % Vocabulary;

        public ITokenMatcher CreateMatcher() => new Matcher();

        private sealed class Matcher : ITokenMatcher
        {
            public void Mask(Span<float> logits, ReadOnlySpan<int> generated)
            {
                if (generated.Length % 2 == 0)
                {
                    int keep = Forced(generated.Length);
                    for (int i = 0; i < logits.Length; i++)
                    {
                        logits[i] = i == keep ? logits[i] : float.NegativeInfinity;
                    }
                }
            }

            public int GetForcedTokens(ReadOnlySpan<int> generated, Span<int> destination)
            {
                if (generated.Length % 2 != 0 || destination.IsEmpty)
                {
                    return 0;
                }

                destination[0] = Forced(generated.Length);
                return 1;
            }
        }
    }
}
