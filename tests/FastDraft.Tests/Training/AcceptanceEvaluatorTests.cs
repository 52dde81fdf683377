using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class AcceptanceEvaluatorTests
{
    [Theory]
    [InlineData("1111111111", 4, 2)] // 4+1, 4+1
    [InlineData("0000", 4, 4)] // a correction per pass
    [InlineData("1101111", 2, 3)] // 2+1 (bonus), then 0+1 at the miss, 2+1
    [InlineData("11011", 8, 2)] // 2 accepted + correction, then 2 accepted reaching the end
    public void Simulate_KnownMatchPatterns_CountTargetPasses(string pattern, int k, long expectedPasses)
    {
        bool[] match = [.. pattern.Select(c => c == '1')];

        (long emitted, long passes) = AcceptanceEvaluator.Simulate(match, k);

        Assert.Equal(pattern.Length, emitted);
        Assert.Equal(expectedPasses, passes);
    }

    [Fact]
    public async Task Measure_TargetAsItsOwnDraft_AcceptsEverything()
    {
        using var target = OnnxCausalLM.Load(TestModels.GqaTarget);
        int[][] prompts = [[1, 5, 9, 3], [7, 7, 2, 40, 11, 3]];
        var references = await AcceptanceEvaluator.CreateReferencesAsync(target, prompts, 20);

        AcceptanceReport report = AcceptanceEvaluator.Measure(target, references);

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
        var references = await AcceptanceEvaluator.CreateReferencesAsync(target, prompts, 30);

        AcceptanceReport report = AcceptanceEvaluator.Measure(draft, references);
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
}
