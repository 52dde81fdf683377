using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class AlphaEvaluatorTests
{
    [Theory]
    [InlineData("1111111111", 4, 2)] // 4+1, 4+1
    [InlineData("0000", 4, 4)] // a correction per pass
    [InlineData("1101111", 2, 3)] // 2+1 (bonus), then 0+1 at the miss, 2+1
    [InlineData("11011", 8, 2)] // 2 accepted + correction, then 2 accepted reaching the end
    public void Simulate_KnownMatchPatterns_CountTargetPasses(string pattern, int k, long expectedPasses)
    {
        bool[] match = [.. pattern.Select(c => c == '1')];

        (long emitted, long passes) = AlphaEvaluator.Simulate(match, k);

        Assert.Equal(pattern.Length, emitted);
        Assert.Equal(expectedPasses, passes);
    }

    [Fact]
    public async Task Measure_TargetAsItsOwnDraft_AcceptsEverything()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        int[][] prompts = [[1, 5, 9, 3], [7, 7, 2, 40, 11, 3]];
        var references = await AlphaEvaluator.CreateReferencesAsync(target, prompts, 20);

        AlphaReport report = AlphaEvaluator.Measure(target, references);

        Assert.Equal(40, report.Positions);
        Assert.Equal(1.0, report.Alpha);
        Assert.Equal(20.0 / 4, report.TokensPerTargetPass[4], 9); // 20 tokens in passes of 5 (4 accepted + bonus)
    }

    [Fact]
    public async Task Measure_UnrelatedDraft_MatchesTheTargetsArgmaxRarely()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        using var draft = OnnxCausalLM.Load(TestModels.UnrelatedDraft);
        int[][] prompts = [[1, 5, 9, 3], [7, 7, 2, 40, 11, 3], [60, 2, 8]];
        var references = await AlphaEvaluator.CreateReferencesAsync(target, prompts, 30);

        AlphaReport report = AlphaEvaluator.Measure(draft, references);
        int expected = 0;
        foreach (var reference in references)
        {
            // Independently: the draft fed one token at a time, argmax after each.
            using IModelSession session = draft.CreateSession(64);
            session.Append(reference.Prompt);
            for (int i = 0; i < reference.Continuation.Length; i++)
            {
                expected += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(session.GetLogits(session.Length == reference.Prompt.Length ? reference.Prompt.Length - 1 : 0)) == reference.Continuation[i] ? 1 : 0;
                session.Append([reference.Continuation[i]]);
            }
        }

        Assert.Equal(expected / 90.0, report.Alpha, 12);
        Assert.True(report.Alpha < 0.5, $"alpha {report.Alpha}");
        Assert.True(report.TokensPerTargetPass[2] >= 1 && report.TokensPerTargetPass[2] < 2);
    }

    [Fact]
    public async Task Measure_ByContextPosition_PlacesEveryPositionInItsBucket()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        using var draft = OnnxCausalLM.Load(TestModels.UnrelatedDraft);
        int context = target.Info.ContextLength; // 512: buckets of 64
        var random = new Random(5);
        int[][] prompts = [[.. Enumerable.Range(0, 10).Select(_ => random.Next(96))], [.. Enumerable.Range(0, 300).Select(_ => random.Next(96))]];
        var references = await AlphaEvaluator.CreateReferencesAsync(target, prompts, 60);

        AlphaReport report = AlphaEvaluator.Measure(draft, references);
        int[] expectedPositions = new int[8];
        int[] expectedMatches = new int[8];
        foreach (var reference in references)
        {
            bool[] match = AlphaEvaluator.Matches(draft, reference, CancellationToken.None);
            for (int i = 0; i < match.Length; i++)
            {
                expectedPositions[(reference.Prompt.Length + i) / 64]++;
                expectedMatches[(reference.Prompt.Length + i) / 64] += match[i] ? 1 : 0;
            }
        }

        Assert.Equal(context, report.ContextLength);
        Assert.Equal([0, 64, 128, 192, 256, 320, 384, 448], report.ByContextPosition.Select(b => b.Start));
        Assert.Equal(expectedPositions, report.ByContextPosition.Select(b => b.Positions));
        Assert.Equal(expectedMatches, report.ByContextPosition.Select(b => b.Matches));
        Assert.Equal(report.Positions, report.ByContextPosition.Sum(b => b.Positions));
        Assert.True(double.IsNaN(report.ByContextPosition[7].Alpha), "no position was measured in the last bucket");
    }

    [Theory]
    [InlineData(90, 84, false)] // 0.90 to 0.84: a fall of 0.06 warns
    [InlineData(90, 86, true)] // a fall of 0.04 does not
    [InlineData(80, 95, true)] // rising late is fine
    public void LateContextWarning_WarnsWhenTheLastQuarterFallsMoreThanFivePointsBelowTheFirstHalf(int earlyMatches, int lateMatches, bool quiet)
    {
        ContextPositionAlpha[] buckets =
        [
            new(0, 128, 100, earlyMatches), new(128, 256, 100, earlyMatches), new(256, 384, 100, 10), new(384, 512, 100, lateMatches),
        ];
        var report = new AlphaReport(0.5, 0.5, 400, new Dictionary<int, double>(), buckets, 512);

        Assert.Equal(earlyMatches / 100.0, report.AlphaFirstHalf, 12);
        Assert.Equal(lateMatches / 100.0, report.AlphaLastQuarter, 12);
        Assert.Equal(quiet, report.LateContextWarning is null);
    }

    [Fact]
    public void SpreadPrompts_SpanShortToContextMinusContinuation_AsSlicesOfTheStream()
    {
        int[] stream = [.. Enumerable.Range(0, 5_000)];

        IReadOnlyList<int[]> prompts = AlphaEvaluator.SpreadPrompts(stream, 9, 512, 128, seed: 3);

        Assert.Equal(9, prompts.Count);
        Assert.Equal(16, prompts[0].Length);
        Assert.Equal(384, prompts[^1].Length);
        Assert.Equal([16, 62, 108, 154, 200, 246, 292, 338, 384], prompts.Select(p => p.Length));
        Assert.All(prompts, p => Assert.Equal(Enumerable.Range(p[0], p.Length), p)); // contiguous windows
        Assert.Equal(299, AlphaEvaluator.SpreadPrompts(stream.AsSpan(0, 300), 4, 512, 128, 3)[^1].Length); // capped by a short stream
        Assert.Throws<ArgumentException>(() => AlphaEvaluator.SpreadPrompts(stream.AsSpan(0, 1), 4, 512, 128, 3));
    }
}
