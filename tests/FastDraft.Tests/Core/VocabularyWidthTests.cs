using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

/// <summary>
/// Drafts whose vocabulary is wider or narrower than the target's, written by the project's writer: the same weights at
/// another width (<see cref="ResizedModels"/>), so the logits of the ids both have are exactly the same. Greedy output
/// equals target-only token for token, and acceptance equals that of the same-width draft it is a padded (or truncated)
/// copy of, count for count.
/// </summary>
public sealed class VocabularyWidthTests
{
    private const int Width = 32;
    private const int Padded = 40;
    private const int Truncated = 28;

    /// <summary>A shallow draft's base: a deep model attenuated after its first layer predicts nearly what that layer does.</summary>
    private static readonly DecoderSpec Base = new()
    {
        VocabularySize = Width,
        HiddenSize = 64,
        Layers = 3,
        Heads = 4,
        KeyValueHeads = 2,
        IntermediateSize = 96,
        ContextLength = 256,
        Seed = 4242,
        AttenuatedLayersFrom = 1,
        AttenuationScale = 0.3f,
    };

    // The target never chooses the ids a truncated draft lacks (as a trained model never chooses padding ids).
    private static readonly DecoderSpec TargetSpec = Base with { PreferredTokensFrom = Truncated, PreferenceBias = -30f };
    private static readonly DecoderSpec DraftSpec = Base with { Layers = 1 };

    private static readonly int[][] Prompts = [[1, 5, 9, 3], [7, 7, 12, 20, 4, 0], [25, 3], [11, 19, 2, 8, 16, 23, 6, 14]];

    private static readonly GenerationOptions Greedy = new() { MaxNewTokens = 48, IgnoreEndOfSequence = true };
    private static readonly SpeculativeOptions FixedK = new() { DraftTokens = 4, AdaptiveDraftTokens = false };

    private static readonly DecoderSpec Widest = Base with { VocabularySize = Padded };

    private static OnnxCausalLM Target => LoadedModels.Get(ResizedModels.Folder("width-target", Widest, TargetSpec));

    private static OnnxCausalLM Draft(string name) => LoadedModels.Get(name switch
    {
        "same" => ResizedModels.Folder("width-draft-32", Widest, DraftSpec),
        "padded" => ResizedModels.Folder("width-draft-40", Widest, DraftSpec with { VocabularySize = Padded, PreferredTokensFrom = Width, PreferenceBias = 20f }), // its extra ids favoured
        "truncated" => ResizedModels.Folder("width-draft-28", Widest, DraftSpec with { VocabularySize = Truncated }),
        "same-masked" => ResizedModels.Folder("width-draft-32-masked", Widest, DraftSpec with { PreferredTokensFrom = Truncated, PreferenceBias = -30f }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    });

    [Theory]
    [InlineData("padded")]
    [InlineData("truncated")]
    public async Task GreedyOutput_EqualsTargetOnly_WhenTheDraftsWidthDiffers(string draft)
    {
        Assert.NotEqual(Target.Info.VocabularySize, Draft(draft).Info.VocabularySize);
        var targetOnly = new SpeculativeGenerator(Target);
        var speculative = new SpeculativeGenerator(Target, Draft(draft), FixedK);
        int accepted = 0;
        foreach (int[] prompt in Prompts)
        {
            GenerationResult expected = await targetOnly.GenerateToListAsync(prompt, Greedy, TestContext.Current.CancellationToken);
            GenerationResult actual = await speculative.GenerateToListAsync(prompt, Greedy, TestContext.Current.CancellationToken);
            Assert.Equal(expected.Ids, actual.Ids);
            Assert.True(expected.Ids.Distinct().Count() > 2, $"a degenerate continuation: {string.Join(',', expected.Ids)}");
            accepted += actual.Stats.AcceptedTokens;
        }

        Assert.True(accepted > 0, "the draft should have been accepted at least sometimes");
    }

    [Theory]
    [InlineData("padded", "same")]
    [InlineData("truncated", "same-masked")]
    public async Task Acceptance_EqualsTheSameWidthDraft_CountForCount(string draft, string sameWidth)
    {
        static async Task<(int Drafted, int Accepted)> Measure(OnnxCausalLM model)
        {
            var generator = new SpeculativeGenerator(Target, model, FixedK);
            int drafted = 0, accepted = 0;
            foreach (int[] prompt in Prompts)
            {
                GenerationStats stats = (await generator.GenerateToListAsync(prompt, Greedy, TestContext.Current.CancellationToken)).Stats;
                drafted += stats.DraftedTokens;
                accepted += stats.AcceptedTokens;
            }

            return (drafted, accepted);
        }

        (int Drafted, int Accepted) reference = await Measure(Draft(sameWidth));
        (int Drafted, int Accepted) measured = await Measure(Draft(draft));
        TestContext.Current.TestOutputHelper?.WriteLine($"{draft}: {measured.Accepted}/{measured.Drafted}; {sameWidth}: {reference.Accepted}/{reference.Drafted}");
        Assert.Equal(reference, measured);
        Assert.InRange(reference.Accepted / (double)reference.Drafted, 0.1, 1.0);
    }

    [Fact]
    public async Task PaddedDraft_WouldProposeIdsBeyondTheTarget_WithoutTheMask()
    {
        // The fixture's point: the padded rows (favoured by a bias) win the draft's own argmax at many positions, so an unmasked draft
        // would propose ids the target does not have (and the generation would fail), while the masked one never does.
        OnnxCausalLM padded = Draft("padded");
        int beyond = 0;
        foreach (int[] prompt in Prompts)
        {
            GenerationResult output = await new SpeculativeGenerator(Target).GenerateToListAsync(prompt, Greedy, TestContext.Current.CancellationToken);
            int[] context = [.. prompt, .. output.Ids];
            using IModelSession session = padded.CreateSession(context.Length);
            session.Append(context, TestContext.Current.CancellationToken);
            for (int i = prompt.Length - 1; i < context.Length; i++)
            {
                beyond += GreedyArgmax(session.GetLogits(i)) >= Width ? 1 : 0;
            }
        }

        Assert.True(beyond > 0, "no position's raw argmax lies beyond the target's vocabulary: the padded fixture tests nothing");
    }

    [Fact]
    public async Task PromptIdBeyondTheDraftsVocabulary_LeavesTheTargetAlone_Exactly()
    {
        int[] prompt = [1, 5, Width - 1, 9, 3]; // id 31: the target has it, the truncated draft does not
        GenerationResult expected = await new SpeculativeGenerator(Target).GenerateToListAsync(prompt, Greedy, TestContext.Current.CancellationToken);
        GenerationResult actual = await new SpeculativeGenerator(Target, Draft("truncated"), FixedK).GenerateToListAsync(prompt, Greedy, TestContext.Current.CancellationToken);
        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(0, actual.Stats.DraftedTokens);
        Assert.Equal(0, actual.Stats.DraftCalls);
    }

    [Fact]
    public void Next_NeverProposesAnIdBeyondTheTarget_WhenTheDraftIsWider()
    {
        using DraftSampler sampler = DraftSampler.Create([0, 1], vocabularySize: 4, draftVocabularySize: 6);
        Assert.Equal(2, sampler.Next([0f, 1f, 3f, 2f, 9f, 8f])); // 4 and 5 are the draft's largest, but not target ids
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.7f)]
    public void Distribution_IsZeroBeyondANarrowerDraftsVocabulary(float temperature)
    {
        // A context id beyond the draft's width (5) is penalised in the target-width row without harm.
        var options = new GenerationOptions { Temperature = temperature, Seed = 3, RepetitionPenalty = 1.5f };
        using DraftSampler sampler = DraftSampler.Create([5, 1], vocabularySize: 8, options, draftVocabularySize: 4);
        int token = sampler.Next([1f, 2f, 0.5f, 1.5f]);
        Assert.InRange(token, 0, 3);
        ReadOnlySpan<float> q = sampler.Distribution(0);
        Assert.Equal(8, q.Length);
        Assert.All(q[4..].ToArray(), p => Assert.Equal(0f, p));
        Assert.Equal(1f, q.ToArray().Sum(), 5);
    }

    [Fact]
    public void Next_RefusesLogitsOfTheTargetsWidth_WhenTheDraftsDiffers()
    {
        using DraftSampler sampler = DraftSampler.Create([0], vocabularySize: 8, draftVocabularySize: 6);
        var error = Assert.Throws<ArgumentException>(() => sampler.Next(new float[8]));
        Assert.Contains("Expected 6 logits (the draft's vocabulary size)", error.Message, StringComparison.Ordinal);
    }

    private static int GreedyArgmax(ReadOnlySpan<float> logits) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
}
