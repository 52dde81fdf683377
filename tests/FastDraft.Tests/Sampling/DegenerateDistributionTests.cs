using FastDraft.Internals.Sampling;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Sampling;

/// <summary>
/// Distributions with nothing to choose from: options that would make them degenerate are refused
/// when the request is made; what only shows during the generation throws <see cref="GenerationException"/>
/// naming the step; no id outside the vocabulary is ever emitted.
/// </summary>
public sealed class DegenerateDistributionTests
{
    private const int Vocabulary = 12;
    private static readonly int[] Prompt = [1, 2, 3];

    public static TheoryData<string, GenerationOptions> DegenerateOptions => new()
    {
        { "Temperature", new() { Temperature = 1e-40f } },
        { "Temperature", new() { Temperature = 1e-7f } },
        { "Temperature", new() { Temperature = float.Epsilon } },
        { "RepetitionPenalty", new() { RepetitionPenalty = 1e-45f } },
        { "RepetitionPenalty", new() { RepetitionPenalty = 1e-30f } },
        { "RepetitionPenalty", new() { RepetitionPenalty = 1e30f } },
        { "RepetitionPenalty", new() { RepetitionPenalty = float.PositiveInfinity } },
        { "PresencePenalty", new() { PresencePenalty = -3e38f } },
        { "PresencePenalty", new() { PresencePenalty = 3e38f } },
        { "PresencePenalty", new() { PresencePenalty = float.NaN } },
    };

    [Theory]
    [MemberData(nameof(DegenerateOptions))]
    public void DegenerateOptions_AreRefusedWhenTheRequestIsMade_NamingTheOption(string option, GenerationOptions options)
    {
        var generator = new SpeculativeGenerator(LogitsModel.Hashed(Vocabulary, 1));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateAsync(Prompt, options with { Temperature = options.Temperature == 0 ? 1f : options.Temperature, MaxNewTokens = 1 }));
        Assert.Equal("options", ex.ParamName);
        Assert.StartsWith(option, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1e-6f)]
    [InlineData(1e6f)]
    public async Task ExtremeButValidOptions_StillGenerateInVocabularyIds(float temperature)
    {
        var generator = new SpeculativeGenerator(LogitsModel.Hashed(Vocabulary, 2));
        var options = new GenerationOptions { Temperature = temperature, RepetitionPenalty = 1e-6f, PresencePenalty = -1e6f, MaxNewTokens = 20, Seed = 3 };
        GenerationResult result = await generator.GenerateToListAsync(Prompt, options, TestContext.Current.CancellationToken);
        Assert.Equal(20, result.Tokens.Count);
        Assert.All(result.Ids, id => Assert.InRange(id, 0, Vocabulary - 1));
    }

    public static TheoryData<string, float> Modes => new()
    {
        { "target-only", 0f },
        { "target-only", 1f },
        { "model-draft", 0f },
        { "model-draft", 1f },
        { "ngram", 0f },
        { "ngram", 1f },
    };

    private static SpeculativeGenerator Generator(string mode, ITargetModel target) => mode switch
    {
        "target-only" => new SpeculativeGenerator(target),
        "model-draft" => new SpeculativeGenerator(target, LogitsModel.Hashed(Vocabulary, 99).AsDraft(), new SpeculativeOptions { DraftTokens = 3 }),
        "ngram" => new SpeculativeGenerator(target, new NGramDraftModel(2), new SpeculativeOptions { DraftTokens = 3 }),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task ProcessorMaskingEveryToken_ThrowsGenerationException_NamingTheFirstStep(string mode, float temperature)
    {
        // The reported case: one new token, every logit masked. It used to stream Id = -1.
        var options = new GenerationOptions { MaxNewTokens = 1, Temperature = temperature, Seed = 1, LogitsProcessors = [DelegateProcessor.MaskAll(_ => true)] };
        var tokens = new List<int>();
        var ex = await Assert.ThrowsAsync<GenerationException>(() => Collect(Generator(mode, LogitsModel.Hashed(Vocabulary, 4)), options, tokens));

        Assert.Empty(tokens);
        Assert.Equal(0, ex.TokenIndex);
        Assert.Equal(Prompt.Length, ex.Position);
        Assert.Contains("generated token 0 (context position 3)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("masked them all", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task ProcessorMaskingEveryTokenLater_EmitsTheTokensBefore_ThenNamesTheStep(string mode, float temperature)
    {
        // From context position 8 (generated token 5) on, nothing is allowed, for the target and the draft alike.
        var options = new GenerationOptions { MaxNewTokens = 20, Temperature = temperature, Seed = 1, IgnoreEndOfSequence = true, LogitsProcessors = [DelegateProcessor.MaskAll(length => length >= 8)] };
        var tokens = new List<int>();
        var ex = await Assert.ThrowsAsync<GenerationException>(() => Collect(Generator(mode, LogitsModel.Hashed(Vocabulary, 5)), options, tokens));

        // Tokens accepted in the round that reached the step are not emitted: the round failed.
        Assert.True(mode == "target-only" ? tokens.Count == 5 : tokens.Count <= 5, $"{tokens.Count} tokens emitted");
        Assert.All(tokens, id => Assert.InRange(id, 0, Vocabulary - 1));
        Assert.Equal(5, ex.TokenIndex);
        Assert.Contains("generated token 5 (context position 8)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("masked them all", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task ModelProducingNaN_ThrowsGenerationException_NamingTheStepAndNaN(string mode, float temperature)
    {
        // The target's weights "produce" NaN from context position 6 (generated token 3) on.
        var hashed = LogitsModel.Hashed(Vocabulary, 6);
        var target = new LogitsModel(Vocabulary, (context, logits) =>
        {
            hashed.Fill(context, logits);
            if (context.Length >= 6)
            {
                logits[context.Length % Vocabulary] = float.NaN;
            }
        });
        var options = new GenerationOptions { MaxNewTokens = 10, Temperature = temperature, Seed = 2, IgnoreEndOfSequence = true };
        var tokens = new List<int>();
        var ex = await Assert.ThrowsAsync<GenerationException>(() => Collect(Generator(mode, target), options, tokens));

        Assert.True(mode == "target-only" ? tokens.Count == 3 : tokens.Count <= 3, $"{tokens.Count} tokens emitted");
        Assert.Equal(3, ex.TokenIndex);
        Assert.Contains("generated token 3 (context position 6)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("NaN", ex.Message, StringComparison.Ordinal);
        Assert.Contains("target", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public async Task DraftModelProducingNaN_ThrowsGenerationException_NamingTheDraft(float temperature)
    {
        var draftModel = new LogitsModel(Vocabulary, (_, logits) => logits.Fill(float.NaN));
        var generator = new SpeculativeGenerator(LogitsModel.Hashed(Vocabulary, 7), draftModel.AsDraft(), new SpeculativeOptions { DraftTokens = 2 });
        var options = new GenerationOptions { MaxNewTokens = 5, Temperature = temperature, Seed = 3 };
        var tokens = new List<int>();
        var ex = await Assert.ThrowsAsync<GenerationException>(() => Collect(generator, options, tokens));

        Assert.Single(tokens); // the first token comes from the prompt pass, the target alone
        Assert.Contains("draft", ex.Message, StringComparison.Ordinal);
        Assert.Contains("NaN", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogitsThatOverflowUnderTheTemperature_ThrowGenerationException_NamingInfinity()
    {
        var target = new LogitsModel(Vocabulary, (context, logits) =>
        {
            logits.Clear();
            logits[context.Length % Vocabulary] = 1e35f; // finite, but 1e35 / 1e-5 is not
        });
        var options = new GenerationOptions { MaxNewTokens = 3, Temperature = 1e-5f, Seed = 3 };
        var ex = await Assert.ThrowsAsync<GenerationException>(() => Collect(new SpeculativeGenerator(target), options, []));
        Assert.Contains("+infinity", ex.Message, StringComparison.Ordinal);
        Assert.Contains("generated token 0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void Argmax_OverAllNaNOrAllMaskedLogits_ThrowsInsteadOfReturningAnIndex(float value)
    {
        float[] logits = [.. Enumerable.Repeat(value, Vocabulary)];
        using var raw = new TokenSampler(GenerationOptions.Default, Vocabulary, promptLength: 2);
        using var adjusted = new TokenSampler(new GenerationOptions { RepetitionPenalty = 1.5f }, Vocabulary, promptLength: 2);

        foreach (TokenSampler sampler in new[] { raw, adjusted })
        {
            var ex = Assert.Throws<GenerationException>(() => sampler.Argmax(logits, [1, 2, 3, 4]));
            Assert.Equal((4, 2), (ex.Position, ex.TokenIndex));
        }
    }

    [Fact]
    public void Argmax_WithOneNaN_Throws_ButAPositiveInfinityIsAValidGreedyChoice()
    {
        float[] logits = new float[Vocabulary];
        logits[5] = float.NaN;
        using var sampler = new TokenSampler(GenerationOptions.Default, Vocabulary);
        Assert.Throws<GenerationException>(() => sampler.Argmax(logits, [1]));

        logits[5] = float.PositiveInfinity;
        Assert.Equal(5, sampler.Argmax(logits, [1]));
    }

    [Fact]
    public void Draw_WithNoPositiveProbability_ThrowsInsteadOfReturningMinusOne()
    {
        using var sampler = new TokenSampler(new GenerationOptions { Temperature = 1f, Seed = 1 }, Vocabulary);
        Assert.Throws<GenerationException>(() => sampler.Draw(new float[Vocabulary]));
        Assert.Throws<GenerationException>(() => sampler.Draw([.. Enumerable.Repeat(float.NaN, Vocabulary)]));
    }

    [Fact]
    public async Task DraftProposingAnIdOutsideTheVocabulary_IsRefused_NamingTheId()
    {
        var generator = new SpeculativeGenerator(LogitsModel.Hashed(Vocabulary, 8), new ScriptedDraft((_, k) => [-1]), new SpeculativeOptions { DraftTokens = 2 });
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(generator, new GenerationOptions { MaxNewTokens = 4, Temperature = 1f, Seed = 1 }, []));
        Assert.Contains("token id -1", ex.Message, StringComparison.Ordinal);
    }

    private static async Task Collect(SpeculativeGenerator generator, GenerationOptions options, List<int> tokens)
    {
        await foreach (GeneratedToken token in generator.GenerateAsync(Prompt, options, cancellationToken: TestContext.Current.CancellationToken))
        {
            tokens.Add(token.Id);
        }
    }
}
