using FastDraft.Evaluation;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Evaluation;

/// <summary>
/// The quality gate of <see cref="PairEvaluator"/> passes correct speculative decoding and fails broken
/// verification (the fault lives here, in <see cref="FaultyVerificationTarget"/>, never in shipped code).
/// </summary>
public sealed class QualityGateTests
{
    private const int Vocabulary = 48;

    private static readonly EvaluationOptions Short = new() { MaxNewTokens = 24, Repetitions = 2, DraftTokenSweep = [2, 4] };

    /// <summary>Prompts longer than a verification pass, so the faulty target leaves their passes alone.</summary>
    private static int[][] Prompts(int count) =>
        [.. Enumerable.Range(0, count).Select(p => Enumerable.Range(0, 12 + p).Select(i => ((i * 7) + (p * 13) + 1) % Vocabulary).ToArray())];

    private static Proposer PerfectDraft() => Proposer.FromModel("draft", LogitsModel.Hashed(Vocabulary, seed: 3));

    [Fact]
    public void GreedyGate_CorrectVerification_PassesWithEveryOutputIdentical()
    {
        ITargetModel target = LogitsModel.Hashed(Vocabulary, seed: 3);

        EvaluationReport report = PairEvaluator.Run(target, [PerfectDraft(), Proposer.NGram(2)], Prompts(3), Short);

        Assert.True(report.Quality.Passed);
        Assert.False(report.Quality.Sampled);
        Assert.Equal(0, report.Quality.DifferenceCount);
        Assert.Equal(2 * 3 * (2 * 3), report.Quality.Compared); // repetitions × prompts × (2 proposers × (K = 2, 4, adaptive))
        Assert.Equal(1.0, report.Modes.Single(m => m.Name == "draft K=4").Alpha); // the draft is the target itself
    }

    [Fact]
    public void GreedyGate_BrokenVerification_FailsAndListsPromptPositionAndMargin()
    {
        var target = new FaultyVerificationTarget(LogitsModel.Hashed(Vocabulary, seed: 3), FaultyVerificationTarget.SwapTopTwo);

        EvaluationReport report = PairEvaluator.Run(target, [PerfectDraft()], Prompts(3), Short);

        QualityGateReport gate = report.Quality;
        Assert.False(gate.Passed);
        Assert.True(gate.DifferenceCount >= 2 * 3 * 2, $"{gate.DifferenceCount} differences"); // at least every fixed-K output
        OutputDifference first = gate.Differences[0];
        Assert.Equal(("draft K=2", 0, 0), (first.Mode, first.Prompt, first.Repetition));
        Assert.Equal(1, first.Position); // the prompt pass chose position 0; the first verification already took the runner-up
        Assert.NotEqual(first.Expected, first.Actual);
        Assert.True(first.TopTwoMargin > 0, $"margin {first.TopTwoMargin}");
        Assert.DoesNotContain(gate.Differences, d => d.Mode == PairEvaluator.BaselineMode); // target-only itself is intact
        Assert.Equal("target-only", report.Recommendation.Mode);
        Assert.Contains("quality gate failed", report.Recommendation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SamplingGate_ExactSpeculativeSampling_AgreesWithTargetOnly()
    {
        ITargetModel target = LogitsModel.Hashed(Vocabulary, seed: 5);
        EvaluationOptions sampled = Short with { Temperature = 1, Repetitions = 3, Seed = 11 };

        EvaluationReport report = PairEvaluator.Run(target, [Proposer.FromModel("draft", LogitsModel.Hashed(Vocabulary, seed: 6))], Prompts(8), sampled);

        Assert.True(report.Quality.Sampled);
        Assert.True(report.Quality.Passed, string.Join("; ", report.Quality.LogProbabilities.Select(c => $"{c.Mode} {c.Difference}")));
        Assert.Equal(3, report.Quality.LogProbabilities.Count);
        Assert.InRange(report.Quality.LogProbabilities[0].Difference.Level, 0.996, 0.997); // 0.99 shared by three modes
    }

    [Fact]
    public void SamplingGate_BrokenVerification_FailsOnTheLogProbability()
    {
        // Verification sees a rare token boosted: speculative outputs then hold it far more often than the
        // target's own distribution would, and the target's log-probability of them drops.
        var target = new FaultyVerificationTarget(LogitsModel.Hashed(Vocabulary, seed: 5), (_, logits) => logits[7] += 8);
        EvaluationOptions sampled = Short with { Temperature = 1, Repetitions = 3, Seed = 11, DraftTokenSweep = [4] };

        EvaluationReport report = PairEvaluator.Run(target, [Proposer.FromModel("draft", LogitsModel.Hashed(Vocabulary, seed: 6))], Prompts(8), sampled);

        Assert.False(report.Quality.Passed);
        Assert.All(report.Quality.LogProbabilities, c =>
        {
            Assert.False(c.Agrees, $"{c.Mode}: {c.Difference}");
            Assert.True(c.ModeMean < c.BaselineMean);
        });
    }

    [Fact]
    public void Run_PromptBeyondTheContext_ThrowsNamingThePrompt()
    {
        ITargetModel target = LogitsModel.Hashed(Vocabulary, seed: 3, contextLength: 40);

        var error = Assert.Throws<ArgumentException>(() => PairEvaluator.Run(target, [Proposer.NGram(2)], Prompts(2), Short with { MaxNewTokens = 30 }));

        Assert.Contains("Prompt 1 (12 tokens)", error.Message, StringComparison.Ordinal);
    }
}
