using FastDraft.Evaluation;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Evaluation;

/// <summary>The measurement of one generation: what it reads from the generator's own statistics.</summary>
public sealed class GenerationMeterTests
{
    [Fact]
    public void Measure_ModelTime_IsThePromptPassProposalsAndVerificationPasses()
    {
        var clock = new ManualTimeProvider();
        var target = new FunctionModel(16, context => (context[^1] + 1) % 16) { OnPass = _ => clock.Advance(TimeSpan.FromMilliseconds(10)) };
        var draft = new ScriptedDraft((context, most) =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            return [.. Enumerable.Range(1, most).Select(i => (context[^1] + i) % 16)];
        });
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3, TimeProvider = clock });

        GenerationSample sample = GenerationMeter.Measure(generator, new[] { 1, 2, 3 }, new GenerationOptions { MaxNewTokens = 12, IgnoreEndOfSequence = true });

        Assert.Equal(12, sample.GeneratedTokens);
        Assert.True(draft.RequestedLengths.Count > 1, "the draft read the prompt and proposed");
        TimeSpan expected = (TimeSpan.FromMilliseconds(10) * sample.TargetCalls) + (TimeSpan.FromMilliseconds(1) * draft.RequestedLengths.Count);
        Assert.Equal(expected, sample.ModelTime);
    }
}
