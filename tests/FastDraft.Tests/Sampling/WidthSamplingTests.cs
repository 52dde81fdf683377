using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Sampling;

/// <summary>
/// Speculative sampling stays exact when the draft's vocabulary is wider or narrower than the target's: the first three
/// emitted tokens of seeded generations follow the target's processed distribution (the chi-square test of
/// <see cref="SpeculativeSamplingTests"/>). The target here puts real mass on the ids a truncated draft lacks, so the
/// residual max(0, p − q) must supply it; a target token beyond the draft's width ends drafting for that generation.
/// The drafts are the target's first layer at other widths (<see cref="ResizedModels"/>): a draft that disagrees often
/// enough to exercise the residual.
/// </summary>
public sealed class WidthSamplingTests
{
    private const int Samples = 10_000;
    private const double Alpha = SamplingModels.Alpha;

    private static readonly DecoderSpec TargetSpec = SamplingModels.SmallTarget(seed: 2718);

    private static readonly int[] Prompt = [1, 7, 3, 12, 5];

    [Theory]
    [InlineData(40, "t1")]
    [InlineData(28, "t1")]
    [InlineData(28, "t0.7-k8")]
    public void FirstThreeTokens_FollowTheTargetsDistribution_WhatTheDraftsWidth(int draftWidth, string configuration)
    {
        DecoderSpec widest = TargetSpec with { VocabularySize = 40 };
        OnnxCausalLM target = LoadedModels.Get(ResizedModels.Folder("width-sampling-target", widest, TargetSpec));
        OnnxCausalLM draft = LoadedModels.Get(ResizedModels.Folder($"width-sampling-draft-{draftWidth}", widest, TargetSpec with { Layers = 1, VocabularySize = draftWidth }));
        GenerationOptions options = ProcessorTests.Options(configuration) with { MaxNewTokens = 6, IgnoreEndOfSequence = true };
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4 });

        (GeneratedToken[][] samples, SpeculativeSamplingTests.Outcome outcome) = SpeculativeSamplingTests.SampleDraftModel(
            $"{configuration} with a draft of width {draftWidth}", generator, target, options, Prompt, Samples);

        Assert.All(outcome.PValues, p => Assert.True(p > Alpha, outcome.ToString()));
        Assert.InRange(outcome.SecondTokenAccepted, 0.1, 0.95); // both the acceptance and the residual path well exercised
        if (draftWidth < TargetSpec.VocabularySize)
        {
            // The residual must have supplied ids the draft cannot propose, right after drafted positions.
            Assert.Contains(samples, s => s[0].Id < draftWidth && s[1].Id >= draftWidth);
        }
    }
}
