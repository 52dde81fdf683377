using FastDraft.Internals.Generation;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

/// <summary>
/// The adaptive draft length: the controller on scripted acceptances and costs, and whole generations
/// on a fake clock that the fake models advance by what their passes cost, so that what the controller
/// measures is exact and the wall clock (and the machine's load) plays no part.
/// </summary>
public sealed class AdaptiveDraftingTests
{
    private const int Vocabulary = 50;
    private const int PassMicroseconds = 100;       // a target pass: 100 µs plus 2 µs per token
    private const int PassMicrosecondsPerToken = 2;
    private static readonly int[] Prompt = [3, 14, 15, 9, 26];

    private static FunctionModel Model(ManualTimeProvider? clock = null) =>
        new(Vocabulary, context => ((context[^1] * 7) + (context.Length * 3) + 1) % Vocabulary)
        {
            OnPass = tokens => clock?.AdvanceMicroseconds(PassMicroseconds + (PassMicrosecondsPerToken * tokens)),
        };

    /// <summary>A draft proposing what <paramref name="model"/> would (or, when <paramref name="wrong"/>, the next id instead), each proposal costing the clock <paramref name="microsecondsPerToken"/>.</summary>
    private static ScriptedDraft Draft(FunctionModel model, ManualTimeProvider clock, int microsecondsPerToken, bool wrong = false) => new((context, k) =>
    {
        clock.AdvanceMicroseconds(microsecondsPerToken * k);
        return [.. Continue(model, context, k).Select(t => wrong ? (t + 1) % Vocabulary : t)];
    });

    private static int[] Continue(FunctionModel model, int[] context, int count)
    {
        var tokens = new List<int>(context);
        for (int i = 0; i < count; i++)
        {
            tokens.Add(model.Next(tokens.ToArray()));
        }

        return [.. tokens.Skip(context.Length)];
    }

    [Fact]
    public void Controller_StopsDraftingForADraftThatIsNeverRight_AndKeepsProbing()
    {
        var controller = new DraftLengthController(maxDraftTokens: 4, adaptive: true);
        var lengths = new List<int>();
        for (int round = 0; round < 200; round++)
        {
            int k = controller.Next();
            lengths.Add(k);

            // A cheap draft (1 tick per token) that is never right; a target pass costs 100 ticks plus 2 per extra token.
            controller.Record(k, accepted: 0, draftTicks: k, verifyTicks: 100 + (2 * k));
        }

        Assert.True(lengths[0] >= 3, $"started at {lengths[0]}"); // optimistic start: no prompt passes said the draft is expensive
        Assert.True(lengths.Skip(1).Take(10).Count(k => k > 0) <= 3, $"slow to stop: {string.Join(",", lengths)}");
        Assert.True(lengths.Skip(20).Count(k => k == 0) > 150, "mostly plain target steps once acceptance is known to be ~0");
        Assert.Contains(1, lengths.Skip(20)); // still probing
        Assert.True(controller.Alpha < 0.1);
    }

    [Fact]
    public void Controller_IsNotKeptDraftingByAStalePlainStepTime()
    {
        var controller = new DraftLengthController(maxDraftTokens: 4, adaptive: true);
        var lengths = new List<int>();
        for (int round = 0; round < 120; round++)
        {
            int k = controller.Next();
            lengths.Add(k);

            // A never-right draft; the fifth round's pass is caught in a hiccup (five times its cost).
            controller.Record(k, accepted: 0, draftTicks: k, verifyTicks: (round == 4 ? 500 : 100) + (5 * k));
        }

        Assert.True(lengths.Skip(30).Count(k => k > 0) < 10, $"kept drafting: {string.Join(",", lengths)}");
    }

    [Fact]
    public void Controller_ProbesRarely_ForADraftAsSlowAsTheTarget()
    {
        var controller = new DraftLengthController(maxDraftTokens: 8, adaptive: true);
        controller.RecordPromptPasses(draftTicks: 1000, targetTicks: 1000); // it read the prompt as slowly as the target
        var lengths = new List<int>();
        for (int round = 0; round < 200; round++)
        {
            int k = controller.Next();
            lengths.Add(k);

            // Always right, but each proposed token costs as much as a target step: drafting never pays.
            controller.Record(k, accepted: k, draftTicks: 100 * k, verifyTicks: 100 + (5 * k));
        }

        Assert.True(lengths.Skip(20).Count(k => k > 0) <= 6, $"probed too often: {string.Join(",", lengths)}");
        Assert.True(lengths.Take(20).Sum() <= 2, $"drafted before its cost was known: {string.Join(",", lengths)}");
    }

    [Fact]
    public void Controller_DraftsTheMostTokens_ForADraftThatIsAlwaysRight()
    {
        var controller = new DraftLengthController(maxDraftTokens: 6, adaptive: true);
        for (int round = 0; round < 50; round++)
        {
            int k = controller.Next();
            controller.Record(k, accepted: k, draftTicks: 5 * k, verifyTicks: 100 + (2 * k));
        }

        Assert.Equal(6, controller.Next());
        Assert.True(controller.Alpha > 0.9);
    }

    [Fact]
    public void Controller_BalancesCostAgainstAcceptance()
    {
        // A draft costing a fifth of a target pass per token and right 70% of the time: the expected rate
        // E(0.7, K) / (20K + 100 + 2K) peaks at K = 2 or 3, above both 0 and the maximum of 8.
        var controller = new DraftLengthController(maxDraftTokens: 8, adaptive: true);
        var random = new Random(1);
        var lengths = new List<int>();
        for (int round = 0; round < 400; round++)
        {
            int k = controller.Next();
            int accepted = 0;
            while (accepted < k && random.NextDouble() < 0.7)
            {
                accepted++;
            }

            controller.Record(k, accepted, draftTicks: 20 * k, verifyTicks: 100 + (2 * k));
            lengths.Add(k);
        }

        double typical = lengths.Skip(100).Average();
        Assert.InRange(typical, 1.5, 4.5);
    }

    [Fact]
    public async Task AdaptiveGeneration_StaysExact_AndDraftsLessWhenTheDraftIsUseless()
    {
        var clock = new ManualTimeProvider();
        FunctionModel model = Model(clock);
        ScriptedDraft wrong = Draft(model, clock, microsecondsPerToken: 1, wrong: true);
        var options = new GenerationOptions { MaxNewTokens = 200 };
        GenerationResult adaptive = await new SpeculativeGenerator(model, wrong, new SpeculativeOptions { DraftTokens = 4, TimeProvider = clock }).GenerateToListAsync(Prompt, options);
        GenerationResult fixedLength = await new SpeculativeGenerator(model, wrong, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false, TimeProvider = clock }).GenerateToListAsync(Prompt, options);

        Assert.Equal(Continue(model, Prompt, 200), adaptive.Ids);
        Assert.Equal(adaptive.Ids, fixedLength.Ids);
        Assert.True(adaptive.Stats.DraftedTokens < fixedLength.Stats.DraftedTokens / 4, $"adaptive drafted {adaptive.Stats.DraftedTokens}, fixed {fixedLength.Stats.DraftedTokens}");
        Assert.True(adaptive.Stats.RoundsByDraftLength[0] > adaptive.Stats.Rounds / 2, $"rounds by draft length: {string.Join(",", adaptive.Stats.RoundsByDraftLength)}");
    }

    [Theory]
    [InlineData(5, true)]    // a proposal costs a twentieth of a target pass: draft the most
    [InlineData(250, false)] // a proposal costs more than two target passes: drafting never pays, even always right
    public async Task AdaptiveGeneration_AdaptsToTheTimesOfItsTimeProvider(int draftMicrosecondsPerToken, bool worthDrafting)
    {
        // The same always-right draft; only what the clock says it costs differs (on the wall clock both cost nothing).
        var clock = new ManualTimeProvider();
        FunctionModel model = Model(clock);
        var generator = new SpeculativeGenerator(model, Draft(model, clock, draftMicrosecondsPerToken), new SpeculativeOptions { DraftTokens = 4, TimeProvider = clock });
        GenerationResult result = await generator.GenerateToListAsync(Prompt, new GenerationOptions { MaxNewTokens = 200 });

        Assert.Equal(Continue(model, Prompt, 200), result.Ids);
        IReadOnlyList<int> lengths = result.Stats.RoundsByDraftLength;
        string summary = $"rounds by draft length {string.Join(",", lengths)}, drafted {result.Stats.DraftedTokens}";
        if (worthDrafting)
        {
            // The most, except for an occasional round one shorter that times a second pass width.
            Assert.True(lengths[4] + lengths[3] >= result.Stats.Rounds - 2 && lengths[4] >= result.Stats.Rounds * 0.85, summary);
        }
        else
        {
            Assert.True(lengths[0] > result.Stats.Rounds * 3 / 4, summary);
        }
    }

    [Fact]
    public async Task NextGeneration_StartsFromWhatThePreviousLearnt_AndStopsDraftingAUselessDraftAtOnce()
    {
        var clock = new ManualTimeProvider();
        FunctionModel model = Model(clock);
        var generator = new SpeculativeGenerator(model, Draft(model, clock, microsecondsPerToken: 1, wrong: true), new SpeculativeOptions { DraftTokens = 4, TimeProvider = clock });
        var options = new GenerationOptions { MaxNewTokens = 40 };

        GenerationResult first = await generator.GenerateToListAsync(Prompt, options);
        GenerationResult second = await generator.GenerateToListAsync(Prompt, options);

        Assert.Equal(first.Ids, second.Ids);
        Assert.True(first.Stats.DraftedTokens >= 3, $"the first generation starts optimistic: {first.Stats.DraftedTokens} drafted");
        Assert.True(second.Stats.DraftedTokens < first.Stats.DraftedTokens, $"drafted {first.Stats.DraftedTokens}, then {second.Stats.DraftedTokens}");
        Assert.Equal(0, second.Stats.RoundsByDraftLength.Skip(2).Sum()); // at most probes of one token
    }

    [Fact]
    public async Task SeededSampling_KeepsTheDraftLengthFixed_SoTheSeedReproducesTheTokens()
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.GqaTarget);
        OnnxCausalLM draft = LoadedModels.Get(TestModels.UnrelatedDraft);
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4, TimeProvider = new ManualTimeProvider() });
        var options = new GenerationOptions { MaxNewTokens = 40, IgnoreEndOfSequence = true, Temperature = 1f, Seed = 9 };
        GenerationResult first = await generator.GenerateToListAsync(new[] { 1, 2, 3 }, options);
        GenerationResult second = await generator.GenerateToListAsync(new[] { 1, 2, 3 }, options);
        Assert.Equal(first.Ids, second.Ids);
        Assert.Equal(first.Stats.DraftedTokens, second.Stats.DraftedTokens);
    }

    [Fact]
    public async Task ConfidenceThreshold_StopsAnUnsureDraft_WithoutChangingTheOutput()
    {
        // The fake model's distributions are flat-ish: its top token has probability e / (e + 49) ≈ 0.05.
        FunctionModel model = Model();
        var options = new GenerationOptions { MaxNewTokens = 40 };
        GenerationResult unsure = await new SpeculativeGenerator(model, new LanguageModelDraft(model), new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false, DraftConfidenceThreshold = 0.1f, TimeProvider = new ManualTimeProvider() })
            .GenerateToListAsync(Prompt, options);
        GenerationResult sure = await new SpeculativeGenerator(model, new LanguageModelDraft(model), new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false, DraftConfidenceThreshold = 0.01f, TimeProvider = new ManualTimeProvider() })
            .GenerateToListAsync(Prompt, options);

        Assert.Equal(Continue(model, Prompt, 40), unsure.Ids);
        Assert.Equal(unsure.Ids, sure.Ids);
        Assert.Equal(0, unsure.Stats.DraftedTokens);
        Assert.True(sure.Stats.DraftedTokens > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpeculativeGenerator(model, null, new SpeculativeOptions { DraftConfidenceThreshold = 1.5f }));
    }
}
